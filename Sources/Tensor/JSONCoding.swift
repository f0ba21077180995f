/// `Codable` to and from `JSON`, so that typed records are written as `JSON` writes: members in
/// the order the type encodes them (declaration order, for synthesized `Codable`), integer types
/// as integers, `Double` and `Float` as numbers with a point (`JSON.double`: 70.0 stays "70.0").
/// A nil optional member is left out (synthesized `encodeIfPresent`); one wrapped in `Nullable`
/// is written as `null`. Decoding is exact about types: an integer member takes only a number
/// with an integral value that fits, a string member only a string; errors are `DecodingError`s
/// that carry the member's path.
public struct JSONValueEncoder {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSON {
        let root = Node()
        try root.set(value, codingPath: [])
        return root.json
    }
}

public struct JSONValueDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from json: JSON) throws -> T {
        try ValueDecoder(json: json, codingPath: []).decodeValue(type)
    }
}

/// An optional member written as `null` when nil, where synthesized `Codable` would leave it
/// out: `@Nullable var trainLoss: Double?`. Decoding needs the member present (null or a value).
@propertyWrapper
public struct Nullable<Value: Codable>: Codable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let v = wrappedValue { try c.encode(v) } else { try c.encodeNil() }
    }
}

extension Nullable: Equatable where Value: Equatable {}
extension Nullable: Sendable where Value: Sendable {}

extension KeyedDecodingContainer {
    /// `Nullable<T>?`: a member left out is nil, a member that is null is `Nullable(nil)`, the
    /// way it was written (the default would read both as nil).
    public func decodeIfPresent<T>(_ type: Nullable<T>.Type, forKey key: Key) throws -> Nullable<T>? {
        contains(key) ? try decode(type, forKey: key) : nil
    }
}

// MARK: Encoding

/// One value under construction: nested containers hand out children that are filled in later.
private final class Node {
    enum Kind { case value(JSON), object, array }
    var kind = Kind.value(.null)
    var members: [(String, Node)] = []
    var items: [Node] = []

    var json: JSON {
        switch kind {
        case .value(let v): v
        case .object: .object(members.map { ($0.0, $0.1.json) })
        case .array: .array(items.map(\.json))
        }
    }

    func becomeObject() {
        if case .object = kind { return }
        kind = .object
    }

    func becomeArray() {
        if case .array = kind { return }
        kind = .array
    }

    /// The member `key`: a new node in place of an earlier member of that name, else at the end.
    func member(_ key: String) -> Node {
        let n = Node()
        if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = n } else { members.append((key, n)) }
        return n
    }

    func item() -> Node {
        let n = Node()
        items.append(n)
        return n
    }

    /// `codingPath` is built only for a value that encodes itself (it costs an allocation).
    func set<T: Encodable>(_ value: T, codingPath: @autoclosure () -> [any CodingKey]) throws {
        if let scalar = Self.scalar(value) { kind = .value(scalar); return }
        try value.encode(to: ValueEncoder(node: self, codingPath: codingPath()))
    }

    /// Numbers, strings and booleans as `JSON`; nil for anything that encodes itself.
    static func scalar(_ value: some Encodable) -> JSON? {
        switch value {
        case let v as Int: .int(v)
        case let v as Double: .double(v)
        case let v as Float: .double(Double(v))
        case let v as String: .string(v)
        case let v as Bool: .bool(v)
        case let v as any BinaryInteger: .number(Double(v), isInteger: true)
        default: nil
        }
    }
}

private struct ValueEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(KeyedEncoding<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        node.becomeArray()
        return UnkeyedEncoding(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoding(node: node, codingPath: codingPath) }
}

private struct KeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).kind = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try node.member(key.stringValue).set(value, codingPath: codingPath + [key])
    }

    // The common scalars without a dynamic cast (a line is written per evaluation and client).
    mutating func encode(_ value: Int, forKey key: Key) throws { node.member(key.stringValue).kind = .value(.int(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { node.member(key.stringValue).kind = .value(.double(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { node.member(key.stringValue).kind = .value(.string(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(node: node.member("super"), codingPath: codingPath) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { ValueEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]) }
}

private struct UnkeyedEncoding: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.items.count }

    mutating func encodeNil() throws { node.item().kind = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws { try node.item().set(value, codingPath: codingPath + [Index(count)]) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        ValueEncoder(node: node.item(), codingPath: codingPath + [Index(count)]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        ValueEncoder(node: node.item(), codingPath: codingPath + [Index(count)]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { ValueEncoder(node: node.item(), codingPath: codingPath + [Index(count)]) }
}

private struct SingleEncoding: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.kind = .value(.null) }

    mutating func encode<T: Encodable>(_ value: T) throws { try node.set(value, codingPath: codingPath) }
}

/// A position in a list, as a coding path element.
private struct Index: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue!)" }
    init(_ i: Int) { intValue = i }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

// MARK: Decoding

private struct ValueDecoder: Decoder, SingleValueDecodingContainer {
    let json: JSON
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = json else { throw mismatch([String: Any].self, "an object") }
        return KeyedDecodingContainer(KeyedDecoding<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = json else { throw mismatch([Any].self, "a list") }
        return UnkeyedDecoding(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { json == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decodeValue(type) }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        switch type {
        case is Double.Type, is Float.Type:
            guard case .number(let v, _) = json else { throw mismatch(type, "a number") }
            return (type == Float.self ? Float(v) as Any : v) as! T
        case is String.Type:
            guard case .string(let s) = json else { throw mismatch(type, "a string") }
            return s as! T
        case is Bool.Type:
            guard case .bool(let b) = json else { throw mismatch(type, "a boolean") }
            return b as! T
        case let integer as any FixedWidthInteger.Type:
            guard case .number(let v, _) = json, let i = Self.exactly(integer, v) else { throw mismatch(type, "an integer") }
            return i as! T
        default:
            return try T(from: self)
        }
    }

    /// `v` as an `I` when it is a whole number in `I`'s range.
    static func exactly<I: FixedWidthInteger>(_: I.Type, _ v: Double) -> I? { I(exactly: v) }

    func mismatch(_ type: Any.Type, _ expected: String) -> DecodingError {
        .typeMismatch(type, DecodingError.Context(codingPath: codingPath, debugDescription: "expected \(expected), found \(json.typeName)"))
    }
}

private struct KeyedDecoding<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(String, JSON)]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.compactMap { Key(stringValue: $0.0) } }

    func value(_ key: Key) -> JSON? { members.last { $0.0 == key.stringValue }?.1 }

    func contains(_ key: Key) -> Bool { value(key) != nil }

    func decoder(_ key: Key) throws -> ValueDecoder {
        guard let v = value(key) else {
            throw DecodingError.keyNotFound(key, DecodingError.Context(codingPath: codingPath, debugDescription: "no \"\(key.stringValue)\""))
        }
        return ValueDecoder(json: v, codingPath: codingPath + [key])
    }

    func decodeNil(forKey key: Key) throws -> Bool { try decoder(key).decodeNil() }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(key).decodeValue(type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try decoder(key).unkeyedContainer() }

    func superDecoder() throws -> any Decoder { ValueDecoder(json: members.last { $0.0 == "super" }?.1 ?? .null, codingPath: codingPath) }

    func superDecoder(forKey key: Key) throws -> any Decoder { try decoder(key) }
}

private struct UnkeyedDecoding: UnkeyedDecodingContainer {
    let items: [JSON]
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSON], codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    /// The next item's decoder; the index moves on.
    mutating func next(_ type: Any.Type) throws -> ValueDecoder {
        let path = codingPath + [Index(currentIndex)]
        guard !isAtEnd else { throw DecodingError.valueNotFound(type, DecodingError.Context(codingPath: path, debugDescription: "the list ends")) }
        currentIndex += 1
        return ValueDecoder(json: items[currentIndex - 1], codingPath: path)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type).decodeValue(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next([String: Any].self).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next([Any].self).unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next(Any.self) }
}
