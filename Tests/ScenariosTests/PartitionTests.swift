import Foundation
import XCTest
@testable import comigs
@testable import Experiments
@testable import Tensor

/// Issue 17 §2: the toolkits' non-IID partitions of labelled documents.
final class PartitionTests: XCTestCase {
    /// 4 labels × 2000 documents.
    let labels = (0..<8000).map { $0 % 4 }

    func counts(_ p: Partition) throws -> [[Int]] {
        try p.assign(labels: labels, classes: 4).map { idx in (0..<4).map { k in idx.filter { labels[$0] == k }.count } }
    }

    func dirichlet(_ alpha: Double, seed: UInt64 = 0, clients: Int = 10) -> Partition {
        var p = Partition()
        p.kind = .dirichlet
        p.clients = clients
        p.alpha = alpha
        p.seed = seed
        return p
    }

    /// The largest share of one label in a client's documents, averaged over clients.
    func dominance(_ c: [[Int]]) -> Double {
        c.map { Double($0.max()!) / Double($0.reduce(0, +)) }.reduce(0, +) / Double(c.count)
    }

    /// The largest client's share of a label's documents, averaged over labels.
    func concentration(_ c: [[Int]]) -> Double {
        var sum = 0.0
        for k in 0..<c[0].count {
            let column = c.map { $0[k] }
            sum += Double(column.max()!) / Double(column.reduce(0, +))
        }
        return sum / Double(c[0].count)
    }

    func testDirichletGoesFromOneLabelPerClientToIID() throws {
        // As α → 0 each label goes (almost) whole to one client; with as many clients as labels
        // (every client needs 30 documents) that is about one label per client.
        let iidLike = try counts(dirichlet(1000)), skewed = try counts(dirichlet(0.01, clients: 4))
        for c in iidLike {
            let n = Double(c.reduce(0, +))
            for k in c { XCTAssertEqual(Double(k) / n, 0.25, accuracy: 0.05, "α = 1000: \(c)") }
        }
        XCTAssertGreaterThan(concentration(skewed), 0.85, "α = 0.01: \(skewed)")
        XCTAssertGreaterThan(dominance(skewed), 0.8, "α = 0.01: \(skewed)")
        XCTAssertLessThan(concentration(iidLike), 0.15, "α = 1000: \(iidLike)")
        var rng = RNG(seed: 3, stream: "test")
        let draws = (0..<200).map { _ in Partition.dirichlet(alpha: 0.01, count: 10, &rng).max()! }
        // E[largest share] is ≈ 0.94 for Dir(0.01) over 10 parts and H₁₀/10 ≈ 0.293 for Dir(1).
        XCTAssertGreaterThan(draws.reduce(0, +) / 200, 0.9, "Dir(0.01) draws put nearly everything on one part")
        let flat = (0..<2000).map { _ in Partition.dirichlet(alpha: 1, count: 10, &rng).max()! }
        XCTAssertEqual(flat.reduce(0, +) / 2000, 0.2929, accuracy: 0.01)
        XCTAssertLessThan(dominance(iidLike), 0.3)
        XCTAssertEqual(try counts(dirichlet(1000)).flatMap { $0 }.reduce(0, +), 8000, "every document dealt once")
        let all = try dirichlet(0.5).assign(labels: labels, classes: 4).flatMap { $0 }
        XCTAssertEqual(all.sorted(), Array(0..<8000))
    }

    /// Marsaglia–Tsang (and its α < 1 boost): Gamma(α) has mean α and variance α.
    func testGammaMoments() {
        var rng = RNG(seed: 5, stream: "test")
        for alpha in [0.1, 0.7, 3.0] {
            let x = (0..<20_000).map { _ in Partition.gamma(alpha, &rng) }
            let mean = x.reduce(0, +) / 20_000, variance = x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20_000
            XCTAssertEqual(mean, alpha, accuracy: 0.03 * max(alpha, 1), "α = \(alpha)")
            XCTAssertEqual(variance, alpha, accuracy: 0.1 * max(alpha, 1), "α = \(alpha)")
        }
    }

    /// The draws are taken in logs, so their law holds where Gamma(α) itself underflows:
    /// log G has mean ψ(α) and variance ψ′(α) (the digamma and trigamma functions). For
    /// α = 1e-6, α·log G is nearly −Exp(1): α·ψ(α) = −1 − γα + O(α²), α²·ψ′(α) = 1 + O(α²).
    func testLogGammaMomentsDownToTheSmallestAlpha() {
        var rng = RNG(seed: 7, stream: "test")
        // (α, scale, E[scale·log G], Var[scale·log G]); ψ(1/2) = −γ − 2 ln 2, ψ′(1/2) = π²/2, ψ(3) = 3/2 − γ, ψ′(3) = π²/6 − 5/4.
        let cases: [(Double, Double, Double, Double)] = [(1e-6, 1e-6, -1.0, 1.0), (1e-4, 1e-4, -1.0, 1.0),
                                                        (0.5, 1, -1.9635100260214235, 4.934802200544679),
                                                        (3, 1, 0.9227843350984671, 0.3949340668482264)]
        for (alpha, scale, mean, variance) in cases {
            let x = (0..<20_000).map { _ in scale * Partition.logGamma(alpha, &rng) }
            let m = x.reduce(0, +) / 20_000, v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 20_000
            XCTAssertTrue(x.allSatisfy(\.isFinite), "α = \(alpha)")
            XCTAssertEqual(m, mean, accuracy: 0.05, "α = \(alpha)")
            XCTAssertEqual(v, variance, accuracy: 0.07 * variance + 0.03, "α = \(alpha)")
        }
    }

    /// Dir(α) at both ends of the range `--alpha` and `--size-alpha` accept (1e-6 … 1e6): near
    /// one-hot at 1e-6 and 1e-4 (not the equal shares of underflowed Gamma draws), near even at 1e3.
    func testDirichletDrawsAtTheEndsOfTheRange() {
        var rng = RNG(seed: 11, stream: "test")
        for alpha in [1e-6, 1e-4] {
            let draws = (0..<500).map { _ in Partition.dirichlet(alpha: alpha, count: 10, &rng) }
            for d in draws { XCTAssertEqual(d.reduce(0, +), 1, accuracy: 1e-12, "α = \(alpha): \(d)") }
            XCTAssertGreaterThan(draws.map { $0.max()! }.reduce(0, +) / 500, 0.99, "α = \(alpha): nearly one part takes all")
            // Which part takes it is uniform: every one of the 10 is the largest in some of 500 draws.
            XCTAssertEqual(Set(draws.map { $0.firstIndex(of: $0.max()!)! }).count, 10, "α = \(alpha)")
        }
        for _ in 0..<200 {
            let d = Partition.dirichlet(alpha: 1e3, count: 10, &rng)
            for share in d { XCTAssertEqual(share, 0.1, accuracy: 0.02, "α = 1e3: \(d)") }  // sd ≈ 0.003
        }
    }

    /// Label skew at α = 1e-6: every label goes whole to one client, and with 4 clients for 4
    /// labels (each needs 30 documents) one label per client; 10 clients cannot all get documents,
    /// so the redraw rule gives up with its error. At 1e-4 (the old code's even split) likewise one-hot.
    func testDirichletPartitionAtTinyAlpha() throws {
        for alpha in [1e-6, 1e-4] {
            let c = try counts(dirichlet(alpha, clients: 4))
            XCTAssertEqual(concentration(c), 1, "α = \(alpha): \(c)")
            XCTAssertEqual(dominance(c), 1, "α = \(alpha): \(c)")
            XCTAssertEqual(Set(c.map { $0.reduce(0, +) }), [2000], "α = \(alpha): \(c)")
        }
        XCTAssertThrowsError(try dirichlet(1e-6, clients: 10).assign(labels: labels, classes: 4)) {
            XCTAssertTrue("\($0)".contains("no Dirichlet(1e-06) draw in 1000 gives each of 10 clients 30 documents (raise --alpha"), "\($0)")
        }
    }

    /// Quantity skew at β ≤ 1e-4 puts (nearly) all documents on one client, so FedML's redraw
    /// rule fails with its error (the old code dealt equal shares); at β = 1e3 sizes are near equal.
    func testQuantitySkewAtTheEndsOfTheRange() throws {
        var p = Partition()
        p.kind = .iid
        p.clients = 8
        for beta in [1e-6, 1e-4] {
            p.sizeAlpha = beta
            XCTAssertThrowsError(try p.assign(labels: labels, classes: 4)) {
                XCTAssertTrue("\($0)".contains("no size Dirichlet(\(beta)) draw in 1000 gives each of 8 clients 30 documents (raise --size-alpha"), "\($0)")
            }
        }
        p.sizeAlpha = 1e3
        let sizes = try counts(p).map { $0.reduce(0, +) }
        for n in sizes { XCTAssertEqual(Double(n), 1000, accuracy: 100, "\(sizes)") }  // sd ≈ 37
        XCTAssertGreaterThan(Set(sizes).count, 1, "a draw, not the equal shares: \(sizes)")
        XCTAssertEqual(sizes.reduce(0, +), 8000)
    }

    /// Equal shares that leave a client short name the rule, not a Dirichlet draw.
    func testEqualSharesTooSmallNameTheClient() {
        var p = Partition()
        p.kind = .iid
        p.clients = 400
        XCTAssertThrowsError(try p.assign(labels: labels, classes: 4)) {
            XCTAssertEqual("\($0)", "--partition iid: client 0 gets 20 documents, fewer than 30 (use fewer clients)")
        }
    }

    func testSameSeedSamePartition() throws {
        XCTAssertEqual(try counts(dirichlet(0.3)), try counts(dirichlet(0.3)))
        XCTAssertNotEqual(try counts(dirichlet(0.3)), try counts(dirichlet(0.3, seed: 1)))
    }

    func testShardsGiveAtMostKLabels() throws {
        var p = Partition()
        p.kind = .shards
        p.clients = 8
        p.classesPerClient = 2
        let c = try counts(p)
        for row in c { XCTAssertLessThanOrEqual(row.filter { $0 > 0 }.count, 2, "\(row)") }
        XCTAssertEqual(Set(c.map { $0.reduce(0, +) }), [1000])
    }

    func testIIDAndQuantitySkew() throws {
        var p = Partition()
        p.kind = .iid
        p.clients = 8
        XCTAssertEqual(Set(try counts(p).map { $0.reduce(0, +) }), [1000])
        p.sizeAlpha = 0.5
        let sizes = try counts(p).map { $0.reduce(0, +) }
        XCTAssertGreaterThan(sizes.max()! - sizes.min()!, 500, "\(sizes)")
        XCTAssertEqual(sizes.reduce(0, +), 8000)
    }

    func testTooManyClientsIsAnError() {
        var p = dirichlet(0.5)
        p.clients = 400
        XCTAssertThrowsError(try p.assign(labels: labels, classes: 4)) { XCTAssertTrue("\($0)".contains("30 documents"), "\($0)") }
    }

    /// Acceptance: AG News into 10 clients by Dirichlet(0.1) and Dirichlet(100).
    func testAGNewsDirichletTenClients() throws {
        guard FileManager.default.fileExists(atPath: CorporaTests.agnewsCSV) else { throw XCTSkip("no \(CorporaTests.agnewsCSV)") }
        var dominant: [Double] = []
        for alpha in ["0.1", "100"] {
            let out = try temporaryDirectory("partition-\(alpha)")
            try DataCommand.run(["prepare", "agnews", "--csv", CorporaTests.agnewsCSV, "--partition", "dirichlet",
                                 "--alpha", alpha, "--clients", "10", "--out", out])
            let (meta, data) = try Dataset.read(out)
            XCTAssertEqual(data.count, 10)
            XCTAssertEqual(meta.parameters["partition"], "dirichlet")
            XCTAssertEqual(meta.parameters["labels"], "World|Sports|Business|Sci/Tech")
            let c = meta.parameters["documents_per_label"]!.split(separator: ";").map { $0.split(separator: ",").map { Int($0)! } }
            XCTAssertEqual(c.flatMap { $0 }.reduce(0, +), 7600)
            dominant.append(dominance(c))
        }
        XCTAssertGreaterThan(dominant[0], 0.7, "Dir(0.1): most of a client's documents share one label")
        XCTAssertLessThan(dominant[1], 0.35, "Dir(100): close to the uniform 0.25")
    }
}
