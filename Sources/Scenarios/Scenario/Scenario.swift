import Foundation
import Tensor
import Simulator

/// A bad scenario: the key path (or file) and the reason, printed as one line; exit code 2.
struct ScenarioError: Error, CustomStringConvertible {
    let key: String
    let reason: String
    /// One line: control characters in keys or values (which the user wrote) are escaped.
    var description: String {
        String(String.UnicodeScalarView(("\(key): \(reason)").unicodeScalars.flatMap { u -> [Unicode.Scalar] in
            u.value < 0x20 || u.value == 0x7f ? Array(String(format: "\\u%04x", u.value).unicodeScalars) : [u]
        }))
    }
}

/// A validated scenario with every default filled in (DESIGN §7). Values are
/// read by dotted path from the resolved JSON, whose keys and types the
/// validator has checked against `ScenarioKeys`, so the table stays the one
/// place that says what a key is.
struct Scenario {
    /// The resolved scenario, written as `scenario.json` in every run folder.
    let resolved: JSON

    /// Reads, overrides (`--set key=value`), validates and resolves a scenario file.
    static func load(_ path: String, overrides: [String] = []) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError(key: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        let json: JSON
        do { json = try JSON.parse(data) } catch { throw ScenarioError(key: path, reason: "not valid JSON: \(error)") }
        return try make(json, overrides: overrides)
    }

    static func make(_ given: JSON, overrides: [String] = []) throws -> Scenario {
        guard case .object = given else { throw ScenarioError(key: "(top level)", reason: "expected an object, got \(given.typeName)") }
        var tree = given
        for o in overrides { tree = try Self.override(tree, o) }
        try check(tree, path: "", pattern: "")
        let s = Scenario(resolved: resolve(tree, pattern: ""))
        try s.checkCombinations()
        return s
    }

    // MARK: Reading values

    func value(_ path: String) -> JSON? {
        var v: JSON? = resolved
        for part in path.split(separator: ".") {
            if case .array(let items)? = v, let i = Int(part) { v = items.indices.contains(i) ? items[i] : nil } else { v = v?[String(part)] }
        }
        return v
    }

    func int(_ path: String) -> Int {
        guard case .number(let v, _)? = value(path) else { preconditionFailure("\(path) is not set") }
        return Int(v)
    }
    func double(_ path: String) -> Double {
        guard case .number(let v, _)? = value(path) else { preconditionFailure("\(path) is not set") }
        return v
    }
    func optionalDouble(_ path: String) -> Double? { if case .number(let v, _)? = value(path) { v } else { nil } }
    func optionalInt(_ path: String) -> Int? { optionalDouble(path).map { Int($0) } }
    func bool(_ path: String) -> Bool { if case .bool(let b)? = value(path) { b } else { false } }
    func string(_ path: String) -> String? { if case .string(let s)? = value(path) { s } else { nil } }
    /// An `intOrInts` key as one value per client.
    func perClient(_ path: String) -> [Int] {
        switch value(path) {
        case .number(let v, _)?: return Array(repeating: Int(v), count: clientCount)
        case .array(let items)?: return items.map { if case .number(let v, _) = $0 { Int(v) } else { 0 } }
        default: preconditionFailure("\(path) is not set")
        }
    }
    func isList(_ path: String) -> Bool { if case .array? = value(path) { true } else { false } }

    var name: String { string("name")! }
    var method: String { string("method.name")! }
    /// One model trained on every client's data pooled (`centralized`), scored on each client's split.
    var pooled: Bool { method == "centralized" }
    var seeds: [UInt64] { if case .array(let s)? = value("seeds") { s.map { if case .number(let v, _) = $0 { UInt64(v) } else { 0 } } } else { [0] } }
    /// The number of clients: the list's length, or a population's count.
    var clientCount: Int {
        switch value("clients") {
        case .array(let c)?: c.count
        case .object?: int("clients.count")
        default: 0
        }
    }
    /// Whether the clients are a population object (a count with a trace or class shares), not a list.
    var isPopulation: Bool { if case .object? = value("clients") { true } else { false } }

    // MARK: Validation

    /// Type-checks every given value against the key table; unknown keys are errors.
    static func check(_ v: JSON, path: String, pattern: String) throws {
        guard case .object(let members) = v else {
            throw ScenarioError(key: path.isEmpty ? "(top level)" : path, reason: "expected an object, got \(v.typeName)")
        }
        for (k, x) in members {
            let p = path.isEmpty ? k : path + "." + k, pat = pattern.isEmpty ? k : pattern + "." + k
            if k.contains(".") || k.contains("[") {
                throw ScenarioError(key: p, reason: "unknown key (nest dotted keys as objects, e.g. {\"method\": {\"lr\": 0.001}})")
            }
            if let key = ScenarioKeys.key(pat) {
                try checkValue(x, key.type, at: p)
            } else if ScenarioKeys.isSection(pat) {
                try check(x, path: p, pattern: pat)
            } else if let r = ScenarioKeys.retired.first(where: { $0.path == pat }) {
                throw ScenarioError(key: p, reason: "no longer a key: use \(r.replacement)")
            } else {
                throw ScenarioError(key: p, reason: "unknown key" + suggestion(pat))
            }
        }
    }

    /// ", did you mean …?" for a near miss among the known keys.
    static func suggestion(_ pattern: String) -> String {
        let last = pattern.split(separator: ".").last.map(String.init) ?? pattern
        let prefix = pattern.dropLast(last.count)
        let siblings = ScenarioKeys.all.map(\.path).filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count).split(separator: ".")[0]) }
        var seen = Set<String>()
        let unique = siblings.filter { seen.insert($0).inserted }
        guard let best = Spelling.nearest(last, among: unique) else {
            return " (known here: " + unique.joined(separator: ", ") + ")"
        }
        return ", did you mean '\(prefix)\(best)'?"
    }

    static func checkValue(_ x: JSON, _ type: KeyType, at p: String) throws {
        func fail(_ reason: String) -> ScenarioError { ScenarioError(key: p, reason: reason) }
        func integer(_ x: JSON, _ r: ClosedRange<Int>, at p: String) throws {
            guard case .number(let v, let isInt) = x, isInt else {
                throw ScenarioError(key: p, reason: "expected an integer, got \(x.typeName)\(x.shown)")
            }
            guard v >= Double(r.lowerBound), v <= Double(r.upperBound) else {
                throw ScenarioError(key: p, reason: "\(Int(v)) is out of range \(KeyType.range(r))")
            }
        }
        switch type {
        case .int(let r): try integer(x, r, at: p)
        case .number(let r):
            guard case .number(let v, _) = x else { throw fail("expected a number, got \(x.typeName)\(x.shown)") }
            guard r.contains(v) else { throw fail("\(v) is out of range \(KeyType.range(r))") }
        case .bool:
            guard case .bool = x else { throw fail("expected true or false, got \(x.typeName)\(x.shown)") }
        case .string:
            guard case .string(let s) = x else { throw fail("expected a string, got \(x.typeName)\(x.shown)") }
            guard !s.isEmpty, !s.unicodeScalars.contains(where: { $0.value < 0x20 }) else { throw fail("must be a non-empty string without control characters") }
        case .fileName:
            guard case .string(let s) = x else { throw fail("expected a string, got \(x.typeName)\(x.shown)") }
            if let problem = FileName.problem(s) { throw fail(problem) }
        case .choice(let options):
            guard case .string(let s) = x else { throw fail("expected one of \(type.summary), got \(x.typeName)\(x.shown)") }
            guard options.contains(s) else { throw fail("unknown value \(JSON.quote(s)) (expected \(type.summary))") }
        case .ints(let r):
            guard case .array(let items) = x, !items.isEmpty else { throw fail("expected a non-empty list of integers, got \(x.typeName)") }
            for (i, item) in items.enumerated() {
                try integer(item, r, at: "\(p)[\(i)]")
                if let j = items[..<i].firstIndex(of: item) { throw fail("\(item.text()) is listed twice (at \(j) and \(i))") }
            }
        case .intOrInts(let r):
            if case .array(let items) = x {
                guard !items.isEmpty else { throw fail("expected an integer or a non-empty list") }
                for (i, item) in items.enumerated() { try integer(item, r, at: "\(p)[\(i)]") }
            } else {
                try integer(x, r, at: p)
            }
        case .clients:
            switch x {
            case .array(let items):
                guard !items.isEmpty else { throw fail("needs at least one client") }
                guard items.count <= 100_000 else { throw fail("\(items.count) clients; list at most 100000 (use a count or a population for more)") }
                for (i, item) in items.enumerated() { try check(item, path: "\(p)[\(i)]", pattern: "clients[]") }
            case .object: try check(x, path: p, pattern: "clients")
            case .number: try integer(x, 1...10_000_000, at: p)
            default: throw fail("expected a count, a list of client objects or a population object, got \(x.typeName)\(x.shown)")
            }
        }
    }

    /// The given tree with every default filled in, in table order.
    static func resolve(_ given: JSON?, pattern: String) -> JSON {
        var members: [(String, JSON)] = []
        var seen = Set<String>()
        let prefix = pattern.isEmpty ? "" : pattern + "."
        for key in ScenarioKeys.all where key.path.hasPrefix(prefix) {
            let child = String(key.path.dropFirst(prefix.count).split(separator: ".")[0])
            guard seen.insert(child).inserted, !child.hasSuffix("[]") else { continue }
            let full = prefix + child
            if let leaf = ScenarioKeys.key(full) {
                if case .clients = leaf.type {
                    // A population keeps its keys (never one object per client); a count becomes a list.
                    if case .object? = given?[child] {
                        members.append((child, resolve(given?[child], pattern: full)))
                    } else {
                        members.append((child, .array(clientList(given?[child]).map { resolve($0, pattern: "clients[]") })))
                    }
                } else if let v = given?[child] ?? leaf.defaultValue {
                    members.append((child, v))
                }
            } else if given?[child] != nil || !full.hasPrefix("clients") {
                // Optional sub-objects of a client (its window) or a population (its classes) appear only when given.
                members.append((child, resolve(given?[child], pattern: full)))
            }
        }
        return .object(members)
    }

    /// `clients` as a list of objects (a count means that many default clients).
    static func clientList(_ v: JSON?) -> [JSON] {
        switch v ?? ScenarioKeys.key("clients")!.defaultValue! {
        case .number(let n, _): return Array(repeating: .object([]), count: Int(n))
        case .array(let items): return items
        default: return []
        }
    }

    /// Applies `dotted.key=value`: the value is read as JSON when it parses, else as a string.
    static func override(_ tree: JSON, _ assignment: String) throws -> JSON {
        guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
            throw ScenarioError(key: "--set \(assignment)", reason: "expected dotted.key=value")
        }
        let path = assignment[..<eq].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let text = String(assignment[assignment.index(after: eq)...])
        guard !path.contains("") else { throw ScenarioError(key: "--set \(assignment)", reason: "empty key segment") }
        let value = (try? JSON.parse(text)) ?? .string(text)
        return try set(tree, path[...], value, at: "")
    }

    private static func set(_ node: JSON?, _ path: ArraySlice<String>, _ value: JSON, at done: String) throws -> JSON {
        guard let head = path.first else { return value }
        let here = done.isEmpty ? head : done + "." + head
        if let i = Int(head) {
            // An index into a list (a client count turns into that many default clients).
            var items: [JSON]
            switch node {
            case .array(let a)?: items = a
            case .number?: items = clientList(node)
            default: throw ScenarioError(key: here, reason: "'\(done)' is not a list")
            }
            guard items.indices.contains(i) else { throw ScenarioError(key: here, reason: "index \(i) is outside the list of \(items.count)") }
            items[i] = try set(items[i], path.dropFirst(), value, at: here)
            return .array(items)
        }
        var members: [(String, JSON)]
        switch node {
        case .object(let m)?: members = m
        case nil: members = []
        default: throw ScenarioError(key: here, reason: "'\(done)' is not an object")
        }
        if let j = members.firstIndex(where: { $0.0 == head }) {
            members[j].1 = try set(members[j].1, path.dropFirst(), value, at: here)
        } else {
            members.append((head, try set(nil, path.dropFirst(), value, at: here)))
        }
        return .object(members)
    }

    /// Combinations that no single key's type can rule out.
    func checkCombinations() throws {
        if isPopulation { try checkPopulation() }  // first: the count the rest reads may be missing
        let n = clientCount, name = method
        if int("batch") % int("micro_batch") != 0 {
            throw ScenarioError(key: "micro_batch", reason: "\(int("micro_batch")) does not divide batch \(int("batch"))")
        }
        for key in ["method.rank", "method.specialists", "data.synthetic.tokens"] where isList(key) && perClient(key).count != n {
            throw ScenarioError(key: key, reason: "a list of \(perClient(key).count) values for \(n) clients")
        }
        if isList("method.rank"), !["flexlora", "hetlora"].contains(name), Set(perClient("method.rank")).count > 1 {
            throw ScenarioError(key: "method.rank", reason: "per-client ranks are for flexlora and hetlora, not \(name)")
        }
        if let e = optionalInt("method.experts"), MethodRegistry.defaultExperts(name) == nil,
           let i = (0..<n).first(where: { experts(client: $0) != e }) {
            throw ScenarioError(key: "method.experts", reason: "\(e), but \(name) gives client \(i) \(experts(client: i)) expert(s)"
                                + (name == "comigs" ? " (set method.generalists and method.specialists)"
                                   : "; method.experts sets them for " + MethodRegistry.names.filter { MethodRegistry.defaultExperts($0) != nil }.joined(separator: ", ")))
        }
        if isList("method.specialists"), name != "comigs" {
            throw ScenarioError(key: "method.specialists", reason: "per-client specialists are for comigs, not \(name)")
        }
        if name == "comigs" {
            for (i, s) in perClient("method.specialists").enumerated() where int("method.generalists") + s == 0 {
                throw ScenarioError(key: "method.specialists", reason: "client \(i) would have no expert (0 generalists + 0 specialists)")
            }
        }
        if let k = optionalInt("method.top_k") {
            // The method's own adapters say whether it routes (top-k over two or more experts).
            if let why = try ClientSetup.strategy(self, specialists: perClient("method.specialists")).adapters(client: 0).withoutRouter {
                throw ScenarioError(key: "method.top_k", reason: "\(name) has no router (\(why))")
            }
            for i in 0..<n where k > experts(client: i) {
                throw ScenarioError(key: "method.top_k", reason: "\(k) exceeds the \(experts(client: i)) expert(s) of client \(i) under \(name)")
            }
        }
        if string("data.source") == "folder" && string("data.path") == nil {
            throw ScenarioError(key: "data.path", reason: "required when data.source is \"folder\"")
        }
        let k = int("policy.clients_per_round")
        if k > n { throw ScenarioError(key: "policy.clients_per_round", reason: "\(k) exceeds the \(n) clients") }
        if string("policy.name") == "overselect", (k == 0 ? n : k) + int("policy.extra") > n {
            throw ScenarioError(key: "policy.extra", reason: "selecting \(k == 0 ? n : k) + \(int("policy.extra")) needs more than the \(n) clients")
        }
        if string("policy.name") == "async" { try validateAsync(clients: n) }
        for i in 0..<n where value("clients.\(i).window") != nil {
            let w = "clients[\(i)].window"
            guard let period = optionalDouble("clients.\(i).window.period_s") else { throw ScenarioError(key: w + ".period_s", reason: "required for a window") }
            guard let on = optionalDouble("clients.\(i).window.on_s") else { throw ScenarioError(key: w + ".on_s", reason: "required for a window") }
            if on > period { throw ScenarioError(key: w + ".on_s", reason: "\(on) s on exceeds the period \(period) s") }
            if on == 0 { throw ScenarioError(key: w + ".on_s", reason: "0: the client would never be available") }
        }
    }

    /// A population object has its count and exactly one source of devices: a trace or class shares summing to 1.
    func checkPopulation() throws {
        guard value("clients.count") != nil else {
            throw ScenarioError(key: "clients.count", reason: "required in a population object (with clients.trace or clients.classes)")
        }
        let trace = value("clients.trace") != nil, classes = value("clients.classes") != nil
        if trace == classes {
            throw ScenarioError(key: "clients", reason: trace ? "a population has clients.trace or clients.classes, not both"
                                : "a population needs clients.trace or clients.classes")
        }
        for key in ["clients.availability", "clients.replace"] where !trace && value(key) != nil {
            throw ScenarioError(key: key, reason: "only for a population drawn from clients.trace")
        }
        if classes {
            let sum = DeviceProfile.classes.reduce(0) { $0 + (optionalDouble("clients.classes.\($1.name)") ?? 0) }
            guard abs(sum - 1) <= 1e-6 else { throw ScenarioError(key: "clients.classes", reason: "the shares sum to \(sum), not 1") }
        }
    }

    /// FedBuff needs a server that averages updates, and an update that can arrive: otherwise
    /// the run could never make a new version and would run forever.
    func validateAsync(clients n: Int) throws {
        if try !ClientSetup.strategy(self, specialists: perClient("method.specialists")).aggregator.averagesUpdates {
            throw ScenarioError(key: "policy.name", reason: "\"async\" (FedBuff) moves a global by averaged deltas; \(method)'s server does not "
                                + "average (use it with sync, deadline or overselect)")
        }
        for key in ["heterogeneity.dropout.failure", "heterogeneity.dropout.unavailable"] where double(key) >= 1 {
            throw ScenarioError(key: key, reason: "\(double(key)) under policy async: no update could ever arrive")
        }
        if (0..<n).allSatisfy({ i in (optionalDouble("clients.\(i).availability") ?? 1) == 0 }) {
            throw ScenarioError(key: "clients[].availability", reason: "0 for every client under policy async: no update could ever arrive")
        }
    }

    /// The experts client i's MLP has under the scenario's method.
    func experts(client i: Int) -> Int {
        switch method {
        case "comigs": int("method.generalists") + perClient("method.specialists")[i]
        case "pfedmoe": 2
        default: MethodRegistry.defaultExperts(method).map { optionalInt("method.experts") ?? $0 } ?? 1
        }
    }
}

extension JSON {
    /// " (value)" for short scalars in error messages.
    var shown: String {
        switch self {
        case .string(let s): s.count <= 40 ? " " + JSON.quote(s) : ""
        case .number, .bool: " " + text()
        default: ""
        }
    }
}
