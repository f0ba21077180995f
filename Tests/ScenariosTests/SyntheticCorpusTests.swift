import Foundation
import XCTest
@testable import Scenarios
@testable import Simulator

final class SyntheticCorpusTests: XCTestCase {
    func spec(_ p: Double, _ d: Double, seed: UInt64 = 1, tokens: [Int] = [100_000]) -> SyntheticCorpus.Spec {
        var s = SyntheticCorpus.Spec()
        s.privateShare = p
        s.divergence = d
        s.seed = seed
        s.tokens = tokens
        return s
    }

    func testDeterministicBySeed() {
        let a = SyntheticCorpus(spec(0.5, 1)).clients(), b = SyntheticCorpus(spec(0.5, 1)).clients()
        let c = SyntheticCorpus(spec(0.5, 1, seed: 2)).clients()
        XCTAssertEqual(a.map { $0.tokens[.train]! }, b.map { $0.tokens[.train]! })
        XCTAssertEqual(a.map { $0.origins[.test]! }, b.map { $0.origins[.test]! })
        XCTAssertNotEqual(a[0].tokens[.train]!, c[0].tokens[.train]!)
        XCTAssertNotEqual(a[0].tokens[.train]!, a[1].tokens[.train]!, "clients differ")
    }

    /// With divergence 1 a dialect speaks only its own vocabulary slice, so a
    /// token's label is 1 exactly when it lies in the client's slice.
    func testLabelsLineUpWithTokens() {
        let corpus = SyntheticCorpus(spec(0.5, 1))
        for (c, data) in corpus.clients().enumerated() {
            let slice = corpus.dialects[c].slice
            for split in ClientData.Split.allCases {
                let t = data.tokens[split]!, o = data.origins[split]!
                XCTAssertEqual(t.count, o.count)
                for i in t.indices {
                    XCTAssertEqual(o[i] == 1, slice.contains(Int(t[i])), "client \(c) \(split) token \(i)")
                    if o[i] == 0 { XCTAssertLessThan(t[i], 128) }
                }
            }
        }
        XCTAssertTrue(Set(corpus.dialects.map(\.slice.lowerBound)).count == 4, "each client has its own slice")
    }

    func testPrivateShareMatchesP() {
        for p in [0.1, 0.3, 0.5, 0.8] {
            let data = SyntheticCorpus(spec(p, 0.7)).clients()
            for d in data {
                let o = d.origins[.train]!
                let share = Double(o.reduce(0) { $0 + Int($1) }) / Double(o.count)
                XCTAssertEqual(share, p, accuracy: 0.02, "P = \(p), \(d.name)")
            }
        }
    }

    func testZeroDivergenceIsTheGeneralLanguage() {
        let data = SyntheticCorpus(spec(0.5, 0)).clients()
        XCTAssertTrue(data.allSatisfy { $0.tokens[.train]!.allSatisfy { $0 < 128 } })
    }

    func testQuantityPerClientAndSplitSizes() {
        let data = SyntheticCorpus(spec(0.5, 1, tokens: [1000, 2000, 3000, 4000])).clients()
        XCTAssertEqual(data.map { $0.count(.train) + $0.count(.valid) + $0.count(.test) }, [1000, 2000, 3000, 4000])
        XCTAssertEqual(data[3].count(.valid), 400)
        XCTAssertEqual(data[3].count(.test), 400)
    }

    func testGeneralTextIsGeneralOnly() {
        let t = SyntheticCorpus(spec(0.5, 1)).generalText(tokens: 5000, stream: "train")
        XCTAssertEqual(t.count, 5000)
        XCTAssertTrue(t.allSatisfy { $0 < 128 })
    }
}

final class DatasetTests: XCTestCase {
    var dir: String!
    override func setUp() {
        dir = NSTemporaryDirectory() + "comigs-data-\(UUID().uuidString)"
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func write() throws -> [ClientData] {
        var s = SyntheticCorpus.Spec()
        s.clients = 2
        s.tokens = [2000]
        let corpus = SyntheticCorpus(s)
        let clients = corpus.clients()
        try Dataset.write(clients, meta: corpus.meta(for: clients), to: dir)
        return clients
    }

    func testRoundTripInTheSeedLayout() throws {
        let clients = try write()
        for f in ["train_0.bin", "valid_1.bin", "test_1.bin", "train_origin_0.bin", "meta.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir!)/2/\(f)"), f)
        }
        let (meta, back) = try Dataset.read(dir)
        XCTAssertEqual(meta.clients, ["client0", "client1"])
        XCTAssertEqual(meta.tokens[1], SplitCounts(train: 1600, valid: 200, test: 200))
        XCTAssertEqual(back.map { $0.tokens[.valid]! }, clients.map { $0.tokens[.valid]! })
        XCTAssertEqual(back.map { $0.origins[.train]! }, clients.map { $0.origins[.train]! })
    }

    func expectError(_ containing: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Dataset.read(dir), file: file, line: line) { e in
            XCTAssertTrue("\(e)".contains(containing), "\(e)", file: file, line: line)
        }
    }

    func testCorruptFilesGiveNamedErrors() throws {
        _ = try write()
        let f = "\(dir!)/2/train_1.bin"
        let good = try Data(contentsOf: URL(fileURLWithPath: f))
        try (good + Data([7])).write(to: URL(fileURLWithPath: f))
        expectError("train_1.bin: odd size 3201 bytes")
        var bad = good
        bad[10] = 0x2C; bad[11] = 0x01  // token 300 at byte offset 10
        try bad.write(to: URL(fileURLWithPath: f))
        expectError("train_1.bin: token 300 at byte offset 10 is outside the vocabulary (size 256)")
        try Data().write(to: URL(fileURLWithPath: f))
        expectError("train_1.bin: 0 tokens, but meta.json records 1600 (tokens[1].train)")
        try good.write(to: URL(fileURLWithPath: f))
        try Data(count: 1599).write(to: URL(fileURLWithPath: "\(dir!)/2/train_origin_1.bin"))
        expectError("train_origin_1.bin: 1599 labels for 1600 tokens")
        try FileManager.default.removeItem(atPath: f)
        expectError("train_1.bin: missing (meta.json lists 2 clients, numbered 0…1)")
        try FileManager.default.removeItem(atPath: "\(dir!)/2/meta.json")
        expectError("expected one <num_clients>/meta.json folder, found none")
    }
}
