import Experiments

/// A command's arguments: options `--name value` or `--name=value` (a value may start with '-': `--lr -1`),
/// switches `--name`, and operands (`positional`). Any other argument starting with '-' (`--nope`, `-q`) is an
/// unknown option: a `Misuse` naming it and the option it may mean.
struct Arguments {
    var positional: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// `valued` options take a value (the last one counts; `all` returns every one, e.g. repeated `--set`).
    init(_ args: [String], valued: Set<String>, switches: Set<String> = []) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            // "--set=rounds=1": the option is what precedes the first '='.
            let equals = a.hasPrefix("--") ? a.firstIndex(of: "=") : nil
            let name = equals.map { String(a[..<$0]) } ?? a, inline = equals.map { String(a[a.index(after: $0)...]) }
            if valued.contains(name) {
                if let inline {
                    guard !inline.isEmpty else { throw Misuse(description: "'\(name)' needs a value after '='") }
                    values[name, default: []].append(inline)
                    i += 1
                } else {
                    guard i + 1 < args.count else { throw Misuse(description: "'\(name)' needs a value") }
                    values[name, default: []].append(args[i + 1])
                    i += 2
                }
            } else if switches.contains(name) {
                guard inline == nil else { throw Misuse(description: "'\(name)' takes no value, got '\(a)'") }
                flags.insert(name)
                i += 1
            } else if a.count > 1 && a.hasPrefix("-") {
                throw Misuse.unknown("option", name, meaning: Self.meant(name, among: (valued.union(switches)).sorted()))
            } else {
                positional.append(a)
                i += 1
            }
        }
    }

    /// The option a mistyped one most likely means: the nearest in spelling ("--sed" → "--seed", "-seed" →
    /// "--seed"), or for a one-letter option the one long option starting with that letter ("-q" → "--quiet").
    static func meant(_ option: String, among known: [String]) -> String? {
        let bare = { (o: String) in String(o.drop(while: { $0 == "-" })) }
        if option.count == 2 && bare(option).count == 1 {
            let starting = known.filter { bare($0).hasPrefix(bare(option)) }
            return starting.count == 1 ? starting[0] : nil
        }
        return Spelling.nearest(bare(option), among: known.map(bare)).map { "--" + $0 }
    }

    /// The first operand, which names one of `known` (data's synth or prepare, bench's engine, gemm, …).
    func subcommand(_ known: [String]) throws -> String {
        guard let s = positional.first else {
            throw Misuse(description: "expected a subcommand (" + known.joined(separator: ", ") + ")")
        }
        guard known.contains(s) else { throw Misuse.unknown("subcommand", s, among: known) }
        return s
    }

    /// Refuses operands after the first `count` (a stray word is a mistake, not something to ignore).
    func refuseOperands(beyond count: Int) throws {
        if positional.count > count { throw Misuse(description: "unexpected operand '\(positional[count])'") }
    }

    func string(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { flags.contains(name) }

    func int(_ name: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        guard let s = string(name) else { return d }
        guard let v = Int(s), range.contains(v) else {
            throw Misuse(description: "\(name): expected an integer in \(range.lowerBound)...\(range.upperBound), got '\(s)'")
        }
        return v
    }

    func double(_ name: String, default d: Double, range: ClosedRange<Double>) throws -> Double {
        guard let s = string(name) else { return d }
        guard let v = Double(s), range.contains(v) else {
            throw Misuse(description: "\(name): expected a number in [\(range.lowerBound), \(range.upperBound)], got '\(s)'")
        }
        return v
    }
}
