import Foundation
import Tensor
import XCTest

/// `JSONValueEncoder` and `JSONValueDecoder`: Codable records written as `JSON` writes (members
/// in declaration order, integers as integers, doubles with a point), nil left out or null as
/// the record says, and decoding exact about types.
final class JSONCodingTests: XCTestCase {
    enum Kind: String, Codable { case roundStart = "round_start", aggregation }

    struct Record: Codable, Equatable {
        var round: Int
        var seconds: Double
        var kind: Kind
        @Nullable var loss: Double?
        var note: String?
        var shares: [Double]
        var parts: [Part]
        var ratio: Nullable<Double>?
        var big: UInt64
        var ok: Bool

        struct Part: Codable, Equatable {
            var client: Int
            @Nullable var gap: Double?
        }
    }

    let sample = Record(round: 3, seconds: 70, kind: .roundStart, loss: nil, note: nil, shares: [0.25, 1e-05],
                        parts: [.init(client: 1, gap: 0.5), .init(client: 2, gap: nil)], ratio: Nullable(wrappedValue: nil), big: 1 << 40, ok: true)

    func text(_ r: Record) throws -> String { try JSONValueEncoder().encode(r).text() }

    func testMembersInDeclarationOrderAndJSONsNumbers() throws {
        XCTAssertEqual(try text(sample), #"{"round":3,"seconds":70.0,"kind":"round_start","loss":null,"shares":[0.25,1e-05],"#
                       + #""parts":[{"client":1,"gap":0.5},{"client":2,"gap":null}],"ratio":null,"big":1099511627776,"ok":true}"#)
        var r = sample
        (r.loss, r.note, r.ratio) = (2.5, "a\"b", nil)
        XCTAssertEqual(try text(r), #"{"round":3,"seconds":70.0,"kind":"round_start","loss":2.5,"note":"a\"b","shares":[0.25,1e-05],"#
                       + #""parts":[{"client":1,"gap":0.5},{"client":2,"gap":null}],"big":1099511627776,"ok":true}"#,
                       "a nil optional is left out, a nil Nullable is null; Nullable? nil is left out")
    }

    func testRoundTripKeepsNullApartFromAbsent() throws {
        for ratio in [nil, Nullable(wrappedValue: nil), Nullable(wrappedValue: 4.5)] as [Nullable<Double>?] {
            var r = sample
            r.ratio = ratio
            let back = try JSONValueDecoder().decode(Record.self, from: JSON.parse(try text(r)))
            XCTAssertEqual(back, r)
            XCTAssertEqual(try text(back), try text(r))
        }
    }

    func testDecodingIsExactAboutTypes() throws {
        func error(_ edit: (inout [(String, JSON)]) -> Void) throws -> DecodingError? {
            guard case .object(var members) = try JSONValueEncoder().encode(sample) else { return nil }
            edit(&members)
            do {
                _ = try JSONValueDecoder().decode(Record.self, from: .object(members))
                return nil
            } catch let e as DecodingError { return e }
        }
        func set(_ key: String, _ v: JSON) -> (inout [(String, JSON)]) -> Void { { m in m[m.firstIndex { $0.0 == key }!].1 = v } }
        guard case .typeMismatch(_, let c)? = try error(set("round", .double(1.5))) else { return XCTFail("1.5 is no integer") }
        XCTAssertEqual(c.codingPath.map(\.stringValue), ["round"])
        XCTAssertEqual(c.debugDescription, "expected an integer, found a number")
        guard case .typeMismatch? = try error(set("round", .double(1e300))) else { return XCTFail("1e300 does not fit an Int") }
        XCTAssertNil(try error(set("round", .double(4))), "4.0 is a whole number")
        guard case .typeMismatch? = try error(set("big", .int(-1))) else { return XCTFail("-1 is no UInt64") }
        guard case .typeMismatch? = try error(set("seconds", .string("70"))) else { return XCTFail("a string is no number") }
        guard case .typeMismatch(_, let p)? = try error(set("parts", .array([.object([("client", .bool(true)), ("gap", .null)])]))) else {
            return XCTFail("a boolean is no integer")
        }
        XCTAssertEqual(p.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }, ["parts", "0", "client"])
        guard case .keyNotFound(let key, _)? = try error({ $0.removeAll { $0.0 == "loss" } }) else {
            return XCTFail("a Nullable member must be there, if null")
        }
        XCTAssertEqual(key.stringValue, "loss")
        guard case .dataCorrupted? = try error(set("kind", .string("lunch"))) else { return XCTFail("no such kind") }
        XCTAssertNil(try error({ $0.append(("extra", .int(1))) }), "members the record does not know are passed over")
    }
}
