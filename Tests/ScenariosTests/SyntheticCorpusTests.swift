import Foundation
import XCTest
@testable import Experiments
@testable import Simulator
import Tensor

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

    /// Labels follow the hidden origin: with divergence 1 a dialect token's transition comes from
    /// the client's private chain (regional or own), a general token's from the general one.
    func testLabelsLineUpWithTheChains() {
        let corpus = SyntheticCorpus(spec(0.5, 1))
        for (c, data) in corpus.clients().enumerated() {
            let t = data.tokens[.train]!, o = data.origins[.train]!
            XCTAssertEqual(t.count, o.count)
            var missed = 0
            for i in 1..<t.count where corpus.probability(t[i], after: t[i - 1], origin: Int(o[i]), client: c) == 0 { missed += 1 }
            XCTAssertEqual(missed, 0, "client \(c): tokens impossible under their labelled origin")
        }
    }

    /// The regional chain is what the dialects share: at S = 1 every client's dialect is the same
    /// chain, at S = 0 no two are.
    func testRegionalChainIsSharedByEveryDialect() {
        var s = spec(0.5, 1)
        s.shared = 1
        let one = SyntheticCorpus(s)
        s.shared = 0
        let none = SyntheticCorpus(s)
        var same = true, differ = false
        for x in Int32(0)..<256 {
            for y in Int32(0)..<256 {
                same = same && one.probability(y, after: x, origin: 1, client: 0) == one.probability(y, after: x, origin: 1, client: 1)
                differ = differ || none.probability(y, after: x, origin: 1, client: 0) != none.probability(y, after: x, origin: 1, client: 1)
            }
        }
        XCTAssertTrue(same, "S = 1: one dialect for all")
        XCTAssertTrue(differ, "S = 0: dialects of their own")
    }

    func testPrivateShareMatchesP() {
        for p in [0.1, 0.3, 0.5, 0.8] {
            for d in SyntheticCorpus(spec(p, 0.7)).clients() {
                let o = d.origins[.train]!
                let share = Double(o.reduce(0) { $0 + Int($1) }) / Double(o.count)
                XCTAssertEqual(share, p, accuracy: 0.05, "P = \(p), \(d.name)")
            }
        }
    }

    /// D = 0: every dialect is the general language, so the origin posterior never moves.
    func testZeroDivergenceIsTheGeneralLanguage() {
        let corpus = SyntheticCorpus(spec(0.5, 0))
        let data = corpus.clients()
        let t = data[0].tokens[.train]!
        XCTAssertTrue((1..<t.count).allSatisfy { corpus.general.probability(t[$0], after: Int(t[$0 - 1])) > 0 })
        let q = corpus.filter(client: 0).scan(t, starts: [0], context: 64).generalPosterior[0]!
        XCTAssertTrue(q.allSatisfy { abs($0 - 0.5) < 1e-12 }, "\(q.prefix(4))")
    }

    func testQuantityPerClientAndSplitSizes() {
        let data = SyntheticCorpus(spec(0.5, 1, tokens: [1000, 2000, 3000, 4000])).clients()
        XCTAssertEqual(data.map { $0.count(.train) + $0.count(.valid) + $0.count(.test) }, [1000, 2000, 3000, 4000])
        XCTAssertEqual(data[3].count(.valid), 400)
        XCTAssertEqual(data[3].count(.test), 400)
    }

    /// Every chain is doubly stochastic: the general text uses the whole vocabulary about evenly.
    func testGeneralTextCoversTheVocabulary() {
        let t = SyntheticCorpus(spec(0.5, 1)).generalText(tokens: 100_000, stream: "train")
        XCTAssertEqual(t.count, 100_000)
        var counts = [Int](repeating: 0, count: 256)
        for x in t { counts[Int(x)] += 1 }
        XCTAssertGreaterThan(counts.min()!, 200)
        XCTAssertLessThan(counts.max()!, 600)
    }

    /// The forward algorithm against a hand computation and against brute force over every
    /// hidden path, on a two-token, two-origin process.
    func testOriginFilterIsExact() {
        let t0: [[Double]] = [[0.9, 0.1], [0.2, 0.8]], t1: [[Double]] = [[0.1, 0.9], [0.5, 0.5]]  // [x][y]
        let (prior, up, down) = (0.3, 0.1, 0.2)
        let f = OriginFilter(prior: prior, switching: (up, down)) { y, x, o in (o == 0 ? t0 : t1)[Int(x)][Int(y)] }
        let w: [Int32] = [0, 1, 1, 0, 1, 0]
        let (loss, dialect) = f.run(w[...])
        // By hand, first step: β = 0.3·0.8 + 0.7·0.1 = 0.31; p = 0.69·0.1 + 0.31·0.9 = 0.348.
        XCTAssertEqual(dialect[0], 0.3, accuracy: 1e-15)
        XCTAssertEqual(loss[0], -log(0.348), accuracy: 1e-12)
        XCTAssertEqual(dialect[1], 0.31 * 0.9 / 0.348, accuracy: 1e-12)
        // Brute force: P(w_1 … w_m | w_0) summed over all origin paths o_0 … o_m.
        func joint(_ m: Int) -> (total: Double, lastDialect: Double) {
            var total = 0.0, dialectMass = 0.0
            for path in 0..<(1 << (m + 1)) {
                let o = (0...m).map { (path >> $0) & 1 }
                var p = o[0] == 1 ? prior : 1 - prior
                for j in 1...max(1, m) where m >= 1 {
                    p *= o[j - 1] == 0 ? (o[j] == 1 ? up : 1 - up) : (o[j] == 0 ? down : 1 - down)
                    p *= (o[j] == 0 ? t0 : t1)[Int(w[j - 1])][Int(w[j])]
                }
                total += p
                if o[m] == 1 { dialectMass += p }
            }
            return (total, dialectMass / total)
        }
        for j in 0..<(w.count - 1) {
            let before = j == 0 ? 1.0 : joint(j).total, after = joint(j + 1).total
            XCTAssertEqual(loss[j], -log(after / before), accuracy: 1e-12, "prediction \(j)")
            if j > 0 { XCTAssertEqual(dialect[j], joint(j).lastDialect, accuracy: 1e-12, "posterior \(j)") }
        }
    }

    /// A model that outputs the Bayes predictive distribution scores exactly the floor.
    func testBayesPredictiveScoresTheFloor() {
        let corpus = SyntheticCorpus(spec(0.5, 0.8, tokens: [20_000]))
        let data = corpus.clients()
        let test = data[1].tokens[.test]!, f = corpus.filter(client: 1)
        let starts = Evaluation.fullWindows(test.count, context: 32)
        var sum = 0.0
        for s in starts {
            let dists = f.predictive(test[s ... s + 32], vocab: SyntheticCorpus.vocab)
            for (j, p) in dists.enumerated() {
                XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-9)
                sum -= log(p[Int(test[s + j + 1])])
            }
        }
        XCTAssertEqual(sum / Double(starts.count * 32), f.scan(test, starts: starts, context: 32).meanLoss, accuracy: 1e-12)
        let floor = corpus.bayesTestPerplexity(data, context: 32)[1]
        XCTAssertEqual(floor, exp(sum / Double(starts.count * 32)), accuracy: 1e-9)
    }

    /// The token id alone says nothing of the origin (within 0.1 of chance), context does.
    func testTokenIDCarriesNoOriginButContextDoes() {
        let corpus = SyntheticCorpus(SyntheticCorpus.Spec())
        let data = corpus.clients()
        for (c, d) in data.enumerated() {
            let floor = RunEvaluation.Floor(corpus, client: c, data: d, starts: nil, context: 128)
            let chance = max(corpus.spec.privateShare, 1 - corpus.spec.privateShare)
            XCTAssertEqual(floor.tokenIDOracle!, chance, accuracy: 0.1, d.name)
            XCTAssertGreaterThan(floor.posteriorOracle!, floor.tokenIDOracle! + 0.1, d.name)
        }
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

/// Splits loaded on demand are the bytes of splits generated or read at once; the cache loads a
/// client once while it fits and again after it was dropped.
final class OnDemandDataTests: XCTestCase {
    func testOnDemandSplitsEqualEagerOnesAndTheCacheKeepsWhatFits() throws {
        let world = SyntheticCorpus(SyntheticCorpus.Spec(clients: 3, tokens: [2000, 3000, 4000], seed: 5))
        let eager = world.clients(), roomy = ClientDataCache(budget: 1 << 20), none = ClientDataCache(budget: 0)
        for cache in [roomy, none] {
            let lazy = world.clients(cache: cache)
            for (e, l) in zip(eager, lazy) {
                for split in ClientData.Split.allCases { XCTAssertEqual(l.count(split), e.count(split)) }
                XCTAssertEqual(l.tokens, e.tokens)
                XCTAssertEqual(l.origins, e.origins)
                XCTAssertEqual(l.name, e.name)
            }
        }
        XCTAssertEqual(roomy.loads, 3, "each client loaded once")
        XCTAssertEqual(roomy.bytesHeld, 5 * (2000 + 3000 + 4000), "4 bytes a token and an origin byte")
        XCTAssertEqual(none.loads, 6, "read twice (tokens, origins), loaded twice")
        XCTAssertEqual(none.bytesHeld, 0)
    }
}
