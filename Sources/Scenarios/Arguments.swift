/// A usage error: printed as one line, exit code 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
}

/// Minimal `--flag value` parsing; unknown flags are errors that name them.
struct Arguments {
    var positional: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// `valued` flags take a value (the last one counts; `all` returns every one, e.g. repeated `--set`).
    init(_ args: [String], valued: Set<String>, switches: Set<String> = []) throws {
        var i = 0
        while i < args.count {
            let a = args[i]
            if valued.contains(a) {
                guard i + 1 < args.count else { throw UsageError(description: "\(a) needs a value") }
                values[a, default: []].append(args[i + 1])
                i += 2
            } else if switches.contains(a) {
                flags.insert(a)
                i += 1
            } else if a.hasPrefix("--") {
                throw UsageError(description: "unknown option \(a)")
            } else {
                positional.append(a)
                i += 1
            }
        }
    }

    func string(_ name: String) -> String? { values[name]?.last }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { flags.contains(name) }

    func int(_ name: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        guard let s = string(name) else { return d }
        guard let v = Int(s), range.contains(v) else {
            throw UsageError(description: "\(name): expected an integer in \(range.lowerBound)...\(range.upperBound), got '\(s)'")
        }
        return v
    }

    func double(_ name: String, default d: Double, range: ClosedRange<Double>) throws -> Double {
        guard let s = string(name) else { return d }
        guard let v = Double(s), range.contains(v) else {
            throw UsageError(description: "\(name): expected a number in [\(range.lowerBound), \(range.upperBound)], got '\(s)'")
        }
        return v
    }
}
