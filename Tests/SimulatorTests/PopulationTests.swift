import XCTest
@testable import Simulator

/// Issue 17 §1: populations by class shares and draws from a device trace.
final class PopulationTests: XCTestCase {
    func testShareCountsAreExactLargestRemainder() {
        XCTAssertEqual(Population.counts(shares: [0.3, 0.5, 0.2], total: 1000), [300, 500, 200])
        XCTAssertEqual(Population.counts(shares: [0.3, 0.5, 0.2], total: 100_000), [30_000, 50_000, 20_000])
        // Quotas 2.1, 3.5, 1.4: floors 2, 3, 1 leave one client, for the largest remainder (0.5).
        XCTAssertEqual(Population.counts(shares: [0.3, 0.5, 0.2], total: 7), [2, 4, 1])
        // Thirds of 10: quotas 3.33 each, one client left, equal remainders: the first class.
        XCTAssertEqual(Population.counts(shares: [1.0 / 3, 1.0 / 3, 1.0 / 3], total: 10), [4, 3, 3])
        XCTAssertEqual(Population.counts(shares: [0.3, 0.5, 0.2], total: 1), [0, 1, 0])
        XCTAssertEqual(Population.counts(shares: [0, 1, 0], total: 5), [0, 5, 0])
        // 0.1 × 3 is 0.30000000000000004 in binary and 0.7 × 10 is 7.000000000000001: still exact.
        XCTAssertEqual(Population.counts(shares: [0.1, 0.2, 0.7], total: 10), [1, 2, 7])
        XCTAssertEqual(Population.counts(shares: [0.1, 0.9], total: 30), [3, 27])
        for n in [0, 1, 2, 3, 17, 999, 1001, 65_537] {
            XCTAssertEqual(Population.counts(shares: [0.15, 0.35, 0.5], total: n).reduce(0, +), n)
        }
    }

    func testClassAssignmentIsSeededAndHasTheCounts() {
        let a = Population.classes(shares: [0.3, 0.5, 0.2], total: 1000, seed: 4)
        XCTAssertEqual(a.count, 1000)
        XCTAssertEqual([0, 1, 2].map { k in a.filter { $0 == k }.count }, [300, 500, 200])
        XCTAssertEqual(a, Population.classes(shares: [0.3, 0.5, 0.2], total: 1000, seed: 4), "same seed, same assignment")
        XCTAssertNotEqual(a, Population.classes(shares: [0.3, 0.5, 0.2], total: 1000, seed: 5), "another seed, another order")
        XCTAssertNotEqual(Array(a.prefix(300)), Array(repeating: 0, count: 300), "shuffled, not in class blocks")
    }

    func testTraceDrawsWithAndWithoutReplacement() {
        let with = Population.draw(devices: 50, clients: 1000, replace: true, seed: 0)
        XCTAssertEqual(with.count, 1000)
        XCTAssertTrue(with.allSatisfy { (0..<50).contains($0) })
        XCTAssertEqual(Set(with).count, 50, "1000 draws reach every one of 50 devices")
        XCTAssertEqual(with, Population.draw(devices: 50, clients: 1000, replace: true, seed: 0))
        XCTAssertNotEqual(with, Population.draw(devices: 50, clients: 1000, replace: true, seed: 1))
        let without = Population.draw(devices: 50, clients: 50, replace: false, seed: 0)
        XCTAssertEqual(without.sorted(), Array(0..<50), "a permutation: every device once")
        XCTAssertNotEqual(without, Array(0..<50))
        XCTAssertEqual(Set(Population.draw(devices: 50, clients: 20, replace: false, seed: 3)).count, 20)
    }
}
