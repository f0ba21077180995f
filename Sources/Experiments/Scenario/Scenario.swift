import Foundation
import Tensor
import Simulator

/// A bad scenario: the key path (or file) and the reason, printed as one line; exit code 2.
package struct ScenarioError: Error, CustomStringConvertible {
    package let key: String
    package let reason: String

    package init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    /// One line: control characters in keys or values (which the user wrote) are escaped.
    package var description: String {
        String(String.UnicodeScalarView(("\(key): \(reason)").unicodeScalars.flatMap { u -> [Unicode.Scalar] in
            u.value < 0x20 || u.value == 0x7f ? Array(String(format: "\\u%04x", u.value).unicodeScalars) : [u]
        }))
    }
}

/// A validated scenario with every default filled in (docs/scenarios.md): the resolved JSON
/// tree, written as a run folder's `scenario.json` and compared by reports, and the typed
/// `ScenarioConfig` that everything else reads, decoded once from it (`ScenarioDecoder`).
package struct Scenario {
    /// The resolved scenario, written as `scenario.json` in every run folder.
    package let resolved: JSON
    package let config: ScenarioConfig

    /// Reads, overrides (`--set key=value`), validates and resolves a scenario file.
    package static func load(_ path: String, overrides: [String] = []) throws -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError(key: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        let json: JSON
        do { json = try JSON.parse(data) } catch { throw ScenarioError(key: path, reason: "not valid JSON: \(error)") }
        return try make(json, overrides: overrides)
    }

    /// Validates `given` against `ScenarioKeys` (after the overrides), fills in the defaults,
    /// decodes the config and checks the keys' combinations.
    package static func make(_ given: JSON, overrides: [String] = []) throws -> Scenario {
        guard case .object = given else { throw ScenarioError(key: "(top level)", reason: "expected an object, got \(given.typeName)") }
        var tree = given
        for o in overrides { tree = try Self.override(tree, o) }
        try check(tree, path: "", pattern: "")
        let resolved = resolve(tree, pattern: "")
        let config = try ScenarioDecoder(resolved).decode()
        try config.check()
        return Scenario(resolved: resolved, config: config)
    }

    package var name: String { config.name }
    package var seeds: [UInt64] { config.seeds }

    // MARK: Validation

    /// Type-checks every given value against the key table; unknown keys are errors.
    package static func check(_ v: JSON, path: String, pattern: String) throws {
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
    package static func suggestion(_ pattern: String) -> String {
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

    package static func checkValue(_ x: JSON, _ type: KeyType, at p: String) throws {
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
        case .choiceOrInt(let options, let r):
            switch x {
            case .string(let s) where !options.contains(s): throw fail("unknown value \(JSON.quote(s)) (expected \(type.summary))")
            case .string: break
            case .number: try integer(x, r, at: p)
            default: throw fail("expected \(type.summary), got \(x.typeName)\(x.shown)")
            }
        }
    }

    /// The given tree with every default filled in, in table order.
    package static func resolve(_ given: JSON?, pattern: String) -> JSON {
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
    package static func clientList(_ v: JSON?) -> [JSON] {
        switch v ?? ScenarioKeys.key("clients")!.defaultValue! {
        case .number(let n, _): return Array(repeating: .object([]), count: Int(n))
        case .array(let items): return items
        default: return []
        }
    }

    /// Applies `dotted.key=value`: the value is read as JSON when it parses, else as a string.
    package static func override(_ tree: JSON, _ assignment: String) throws -> JSON {
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
}

extension JSON {
    /// " (value)" for short scalars in error messages.
    package var shown: String {
        switch self {
        case .string(let s): s.count <= 40 ? " " + JSON.quote(s) : ""
        case .number, .bool: " " + text()
        default: ""
        }
    }
}
