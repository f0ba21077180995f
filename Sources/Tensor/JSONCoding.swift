/// `Codable` to and from `JSON`, so that typed records are written as `JSON` writes: members in
/// the order the type encodes them (declaration order, for synthesized `Codable`), integer types
/// as integers, `Double` and `Float` as numbers with a point (`JSON.double`: 70.0 stays "70.0").
/// A nil optional member is left out (synthesized `encodeIfPresent`); one wrapped in `Nullable`
/// is written as `null`. Decoding is exact about types: an integer member takes only a number
/// with an integral value that fits, a string member only a string; errors are `DecodingError`s
/// that carry the member's path.
public struct JSONValueEncoder {
    public init() {}

    /// `value` as a `JSON` tree (`.text()` writes it). Errors: only what the value's own `encode(to:)` throws.
    public func encode<T: Encodable>(_ value: T) throws -> JSON { try Frame.encode(value, codingPath: []) }
}

public struct JSONValueDecoder {
    public init() {}

    /// A `T` read from `json`; members `T` does not know are passed over. Errors: `DecodingError`
    /// (a member missing, of another type, or a value `T` refuses), with the path of the member.
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

/// A value being encoded. A member or item that its encoder finishes before the container goes
/// on (every synthesized `encode(to:)`) becomes `JSON` at once, so a large record is never held
/// twice; only a container handed out for later (`nestedContainer`, `superEncoder`) stays a frame
/// until the end.
private final class Frame {
    enum Slot {
        case value(JSON), frame(Frame)

        var json: JSON {
            switch self {
            case .value(let v): v
            case .frame(let f): f.json
            }
        }
    }

    enum Kind { case single, object, array }
    var kind = Kind.single
    var single = Slot.value(.null)
    var members: [(String, Slot)] = []
    var items: [Slot] = []

    var json: JSON {
        switch kind {
        case .single: single.json
        case .object: .object(members.map { ($0.0, $0.1.json) })
        case .array: .array(items.map(\.json))
        }
    }

    /// The member `key`, in place of an earlier member of that name, else at the end.
    func set(_ key: String, _ slot: Slot) {
        if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = slot } else { members.append((key, slot)) }
    }

    /// A child frame for a container the caller fills later.
    func child(_ place: (Slot) -> Void) -> Frame {
        let f = Frame()
        place(.frame(f))
        return f
    }

    /// `value` as `JSON`; `codingPath` is built only for a value that encodes itself (it costs an allocation).
    static func encode<T: Encodable>(_ value: T, codingPath: @autoclosure () -> [any CodingKey]) throws -> JSON {
        if let json = direct(value) { return json }
        let f = Frame()
        try value.encode(to: ValueEncoder(frame: f, codingPath: codingPath()))
        return f.json
    }

    /// Numbers, strings, booleans, lists and optionals of them as `JSON` without a container
    /// each (a round's client lists, a summary's nullable perplexities); nil for anything that
    /// encodes itself.
    static func direct(_ value: some Encodable) -> JSON? {
        if let v = value as? any DirectJSON { return v.json }
        if let v = value as? any BinaryInteger { return .number(Double(v), isInteger: true) }
        return nil
    }
}

/// What `JSONValueEncoder` writes without running its `encode(to:)`: one dynamic cast finds it.
private protocol DirectJSON { var json: JSON { get } }
extension Int: DirectJSON { var json: JSON { .int(self) } }
extension Double: DirectJSON { var json: JSON { .double(self) } }
extension Float: DirectJSON { var json: JSON { .double(Double(self)) } }
extension String: DirectJSON { var json: JSON { .string(self) } }
extension Bool: DirectJSON { var json: JSON { .bool(self) } }
extension Array: DirectJSON where Element: DirectJSON { var json: JSON { .array(map(\.json)) } }
extension Optional: DirectJSON where Wrapped: DirectJSON { var json: JSON { self?.json ?? .null } }
extension Nullable: DirectJSON where Value: DirectJSON { var json: JSON { wrappedValue.json } }

private struct ValueEncoder: Encoder {
    let frame: Frame
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if frame.kind != .object { (frame.kind, frame.members) = (.object, []) }
        return KeyedEncodingContainer(KeyedEncoding<Key>(frame: frame, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if frame.kind != .array { (frame.kind, frame.items) = (.array, []) }
        return UnkeyedEncoding(frame: frame, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleEncoding(frame: frame, codingPath: codingPath) }
}

private struct KeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let frame: Frame
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { frame.set(key.stringValue, .value(.null)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        frame.set(key.stringValue, .value(try Frame.encode(value, codingPath: codingPath + [key])))
    }

    // The common scalars without a dynamic cast (a line is written per evaluation and client).
    mutating func encode(_ value: Int, forKey key: Key) throws { frame.set(key.stringValue, .value(.int(value))) }
    mutating func encode(_ value: Double, forKey key: Key) throws { frame.set(key.stringValue, .value(.double(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { frame.set(key.stringValue, .value(.string(value))) }

    func encoder(_ key: Key) -> ValueEncoder { ValueEncoder(frame: frame.child { frame.set(key.stringValue, $0) }, codingPath: codingPath + [key]) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        encoder(key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { encoder(key).unkeyedContainer() }

    mutating func superEncoder() -> any Encoder { ValueEncoder(frame: frame.child { frame.set("super", $0) }, codingPath: codingPath) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder(key) }
}

private struct UnkeyedEncoding: UnkeyedEncodingContainer {
    let frame: Frame
    let codingPath: [any CodingKey]
    var count: Int { frame.items.count }

    mutating func encodeNil() throws { frame.items.append(.value(.null)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        frame.items.append(.value(try Frame.encode(value, codingPath: codingPath + [Index(count)])))
    }

    func encoder() -> ValueEncoder {
        let path = codingPath + [Index(count)]
        return ValueEncoder(frame: frame.child { frame.items.append($0) }, codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        encoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { encoder().unkeyedContainer() }

    mutating func superEncoder() -> any Encoder { encoder() }
}

private struct SingleEncoding: SingleValueEncodingContainer {
    let frame: Frame
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { (frame.kind, frame.single) = (.single, .value(.null)) }

    mutating func encode<T: Encodable>(_ value: T) throws { (frame.kind, frame.single) = (.single, .value(try Frame.encode(value, codingPath: codingPath))) }
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
