import Foundation

/// A JSON value with its exact type (Foundation's parser blurs booleans,
/// integers and doubles) and members in file order. Scenario files are read
/// with this so validation can say "expected an integer" and name the key; safetensors
/// headers too, so a duplicate tensor name is an error rather than a silent overwrite.
public indirect enum JSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double, isInteger: Bool)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x, _), .number(y, _)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public static func int(_ v: Int) -> JSON { .number(Double(v), isInteger: true) }
    public static func double(_ v: Double) -> JSON { .number(v, isInteger: false) }

    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.0 == key }?.1
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var doubleValue: Double? { if case .number(let v, _) = self { v } else { nil } }
    public var arrayValue: [JSON]? { if case .array(let a) = self { a } else { nil } }

    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number(_, let i): i ? "an integer" : "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }

    // MARK: Writing

    /// Compact or indented text; members keep their order, so output is deterministic.
    public func text(indent: String? = nil, level: Int = 0) -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let v, let isInteger):
            if isInteger, v.magnitude < 1e15 { return String(Int64(v)) }
            return v.isFinite ? "\(v)" : "null"
        case .string(let s): return Self.quote(s)
        case .array(let items):
            if items.isEmpty { return "[]" }
            // Lists of scalars stay on one line.
            if indent == nil || items.allSatisfy({ if case .array = $0 { false } else if case .object = $0 { false } else { true } }) {
                return "[" + items.map { $0.text() }.joined(separator: indent == nil ? "," : ", ") + "]"
            }
            return block("[", "]", items.map { $0.text(indent: indent, level: level + 1) }, indent!, level)
        case .object(let members):
            if members.isEmpty { return "{}" }
            guard let indent else { return "{" + members.map { Self.quote($0.0) + ":" + $0.1.text() }.joined(separator: ",") + "}" }
            return block("{", "}", members.map { Self.quote($0.0) + ": " + $0.1.text(indent: indent, level: level + 1) }, indent, level)
        }
    }

    private func block(_ open: String, _ close: String, _ lines: [String], _ indent: String, _ level: Int) -> String {
        let pad = String(repeating: indent, count: level + 1), end = String(repeating: indent, count: level)
        return open + "\n" + lines.map { pad + $0 }.joined(separator: ",\n") + "\n" + end + close
    }

    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    // MARK: Parsing

    public struct ParseError: Error, CustomStringConvertible {
        public let line: Int, column: Int, reason: String
        public var description: String { "line \(line), column \(column): \(reason)" }
    }

    /// Nesting deeper than this is refused (a scenario needs 4 levels).
    public static let maxDepth = 32

    public static func parse(_ data: Data) throws -> JSON {
        var p = Parser(bytes: [UInt8](data))
        p.skipSpace()
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.i == p.bytes.count else { throw p.error("unexpected text after the JSON value") }
        return v
    }

    public static func parse(_ s: String) throws -> JSON { try parse(Data(s.utf8)) }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        func error(_ reason: String) -> ParseError {
            var line = 1, col = 1
            for b in bytes[0..<min(i, bytes.count)] { if b == 10 { line += 1; col = 1 } else { col += 1 } }
            return ParseError(line: line, column: col, reason: reason)
        }

        mutating func skipSpace() { while i < bytes.count, [32, 9, 10, 13].contains(bytes[i]) { i += 1 } }

        mutating func expect(_ word: String, _ v: JSON) throws -> JSON {
            let w = Array(word.utf8)
            guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { throw error("invalid literal") }
            i += w.count
            return v
        }

        mutating func value(depth: Int) throws -> JSON {
            guard depth < JSON.maxDepth else { throw error("nested deeper than \(JSON.maxDepth) levels") }
            guard i < bytes.count else { throw error("unexpected end of file") }
            switch bytes[i] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try expect("true", .bool(true))
            case UInt8(ascii: "f"): return try expect("false", .bool(false))
            case UInt8(ascii: "n"): return try expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("unexpected character '\(String(decoding: [bytes[i]], as: UTF8.self))'")
            }
        }

        mutating func object(depth: Int) throws -> JSON {
            i += 1
            var members: [(String, JSON)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object([]) }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a quoted key") }
                let key = try string()
                if members.contains(where: { $0.0 == key }) { throw error("duplicate key '\(key)'") }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':' after key '\(key)'") }
                i += 1
                skipSpace()
                members.append((key, try value(depth: depth + 1)))
                skipSpace()
                guard i < bytes.count else { throw error("unexpected end of file in an object") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw error("expected ',' or '}'")
            }
        }

        mutating func array(depth: Int) throws -> JSON {
            i += 1
            var items: [JSON] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array([]) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard i < bytes.count else { throw error("unexpected end of file in a list") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw error("expected ',' or ']'")
            }
        }

        mutating func string() throws -> String {
            i += 1
            var out = [UInt8]()
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                switch b {
                case UInt8(ascii: "\""):
                    guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                    return s
                case UInt8(ascii: "\\"):
                    guard i < bytes.count else { throw error("unexpected end of file in a string") }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "n"): out.append(10)
                    case UInt8(ascii: "t"): out.append(9)
                    case UInt8(ascii: "r"): out.append(13)
                    case UInt8(ascii: "b"): out.append(8)
                    case UInt8(ascii: "f"): out.append(12)
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "u"):
                        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
                        else { throw error("bad \\u escape") }
                        i += 4
                        // Surrogates (and anything unpaired) become U+FFFD: scenario strings never need them.
                        out.append(contentsOf: Array(String(Unicode.Scalar(v).map { Character($0) } ?? "\u{FFFD}").utf8))
                    default: throw error("bad escape '\\\(String(decoding: [e], as: UTF8.self))'")
                    }
                case 0..<32: throw error("control character in a string")
                default: out.append(b)
                }
            }
            throw error("unexpected end of file in a string")
        }

        mutating func number() throws -> JSON {
            let start = i
            var isInteger = true
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            while i < bytes.count {
                let b = bytes[i]
                if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") { i += 1; continue }
                if [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(b) {
                    isInteger = false
                    i += 1
                    continue
                }
                break
            }
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            let digits = text.drop { $0 == "-" }
            // JSON numbers: no leading zeros, a digit after the point.
            let malformed = (digits.count > 1 && digits.first == "0" && digits.dropFirst().first?.isNumber == true) || text.hasSuffix(".")
                || text.contains(".e") || text.contains(".E")
            guard !malformed, let v = Double(text), v.isFinite else { i = start; throw error("invalid number '\(text)'") }
            return .number(v, isInteger: isInteger && v == v.rounded() && v.magnitude < 9e15)
        }
    }
}

extension JSONEncoder {
    /// The encoder for everything comigs writes: object keys sorted. Foundation's default order
    /// follows its dictionaries' hashing, which is seeded per process, so the same value would
    /// give different bytes in two runs (a safetensors header, meta.json, a printed result).
    public static func sortedKeys(pretty: Bool = false) -> JSONEncoder {
        let enc = JSONEncoder()
        enc.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        return enc
    }
}
