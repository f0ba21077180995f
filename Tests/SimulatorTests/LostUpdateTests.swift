import XCTest
@testable import Simulator
@testable import Tensor

/// What a client holds after a round whose update did not reach the server (issue 13), and
/// FedBuff's arithmetic: every aggregator on the empty and the partial case, by hand.
final class LostUpdateTests: XCTestCase {
    func federation(_ s: any CollaborationStrategy, server: ServerMode = .synchronous) throws -> Federation {
        try MethodsTests.federation(s, server: server)
    }

    func outcome(_ fed: Federation, arrived: [Int], round: Int = 0) -> RoundOutcome {
        let p = arrived.map { Participation(client: $0, steps: 2, slowdown: 1, start: 0, arrival: 1, version: round, weight: 1 / Double(arrived.count)) }
        return RoundOutcome(round: round, start: 0, end: 1, selected: Array(0..<fed.count), arrived: p, failed: [],
                            dropped: (0..<fed.count).filter { !arrived.contains($0) })
    }

    func shared(_ fed: Federation, _ i: Int) -> [Tensor] { fed.clients[i].shared.map { $0.value.clone() } }

    func same(_ a: [Tensor], _ b: [Tensor]) -> Bool { zip(a, b).allSatisfy { $0.bitEqual($1) } }

    /// Every client "trains" (its shared values move) and the update is lost. As training does,
    /// each first keeps what it received apart (and leaves the broadcast it held).
    func perturb(_ fed: Federation, seed: UInt64) {
        var r = RNG(seed: seed, stream: "perturb")
        for c in fed.clients {
            c.keepReceived()
            for p in c.shared { let t = Tensor(p.value.shape); t.fillNormal(std: 0.1, rng: &r); p.value.add(t) }
        }
    }

    /// Nothing arrived: a server with a global sends it unchanged, so every client's shared
    /// values go back to what it last received; PCL's LoRA is personal, so nothing is sent.
    func testNothingArrivedLeavesTheGlobalAndEveryClientHoldsIt() throws {
        let strategies: [(any CollaborationStrategy, Bool)] = [(FedAvg(rank: 4), true), (FlexLoRA(ranks: [2, 4, 4, 2]), true),
                                                              (HetLoRA(ranks: [2, 4, 4, 2]), true), (PCL(rank: 4), false)]
        for (s, global) in strategies {
            let fed = try federation(s)
            let start = (0..<4).map { shared(fed, $0) }
            perturb(fed, seed: 1)
            let trained = (0..<4).map { shared(fed, $0) }
            fed.aggregate(outcome(fed, arrived: [], round: 4))
            for i in 0..<4 {
                XCTAssertTrue(same(shared(fed, i), global ? start[i] : trained[i]), "\(s.name): client \(i)")
            }
        }
    }

    /// HetLoRA after an aggregation: an empty round sends the previous global, truncated.
    func testHetLoRAResendsItsGlobalWhenNothingArrives() throws {
        let fed = try federation(HetLoRA(ranks: [2, 4, 4, 2]))
        perturb(fed, seed: 2)
        fed.aggregate(outcome(fed, arrived: [0, 1, 2, 3]))
        let held = (0..<4).map { shared(fed, $0) }
        perturb(fed, seed: 3)
        fed.aggregate(outcome(fed, arrived: []))
        for i in 0..<4 { XCTAssertTrue(same(shared(fed, i), held[i]), "client \(i)") }
    }

    /// Some arrived: the late client's shared values take the global (mean: the arrival's own
    /// values); PCL in a mixing round leaves a late client with its own.
    func testALateClientTakesTheGlobalOfWhatArrived() throws {
        let fed = try federation(FedAvg(rank: 4))
        perturb(fed, seed: 4)
        let arrivedValues = shared(fed, 0)
        fed.aggregate(outcome(fed, arrived: [0]))
        for i in 0..<4 { XCTAssertTrue(same(shared(fed, i), arrivedValues), "client \(i) holds the mean of what arrived") }

        let pcl = try federation(PCL(rank: 4))
        perturb(pcl, seed: 5)
        let own = shared(pcl, 3)
        pcl.aggregate(outcome(pcl, arrived: [0, 1, 2], round: 4))  // round 4 (0-based) mixes
        XCTAssertTrue(same(shared(pcl, 3), own), "PCL: a lost upload is not mixed; the client keeps its own")
        XCTAssertFalse(same(shared(pcl, 0), own))
    }

    /// FlexLoRA and HetLoRA with part arrived: the late clients receive the global like everyone,
    /// truncated to their rank, so a late client equals an arrived client of the same rank.
    func testLateClientsOfHeterogeneousRankTakeTheTruncatedGlobal() throws {
        for s in [FlexLoRA(ranks: [2, 4, 4, 2]) as any CollaborationStrategy, HetLoRA(ranks: [2, 4, 4, 2])] {
            let fed = try federation(s)
            perturb(fed, seed: 6)
            let lateOwn = shared(fed, 2)
            fed.aggregate(outcome(fed, arrived: [0, 1]))
            XCTAssertFalse(same(shared(fed, 2), lateOwn), "\(s.name): the late client's own training is gone")
            XCTAssertTrue(same(shared(fed, 2), shared(fed, 1)), "\(s.name): late rank-4 client = arrived rank-4 client")
            XCTAssertTrue(same(shared(fed, 3), shared(fed, 0)), "\(s.name): late rank-2 client = arrived rank-2 client")
        }
    }

    /// FedBuff with buffer 1, by hand: x₁ = x₀ + Δ₀ (staleness 0, weight 1); then client 1's
    /// update computed from x₀ arrives at version 3 (staleness 3, weight 1/√4 = 1/2):
    /// x₄ = x₃ + ½·(y₁ − x₀). Clients in flight are never written, and show what they held
    /// until their training ends.
    func testFedBuffMovesTheGlobalByStalenessWeightedDeltas() throws {
        let fed = try federation(FedAvg(rank: 4), server: .fedBuff)
        fed.launch([0, 1])
        let x0 = shared(fed, 0)
        XCTAssertTrue(same(shared(fed, 1), x0))
        _ = fed.train([(client: 0, steps: 2), (client: 1, steps: 2)], round: 0)
        XCTAssertTrue(same(shared(fed, 0), x0) && same(shared(fed, 1), x0), "training hidden until it ends")
        XCTAssertEqual(fed.steps(1), 0)
        XCTAssertNil(fed.trainLoss(1))
        fed.trainingDone(1)
        let y1 = shared(fed, 1)
        XCTAssertFalse(same(y1, x0))
        XCTAssertEqual(fed.steps(1), 2)
        let x = x0.map { $0.clone() }
        for version in 0..<3 {  // client 0 alone makes versions 1, 2, 3
            if version > 0 {
                fed.launch([0])
                XCTAssertTrue(same(shared(fed, 0), x), "a relaunched client starts from the current global")
                _ = fed.train([(client: 0, steps: 1)], round: version)
            }
            fed.trainingDone(0)
            let y0 = shared(fed, 0)
            fed.uploaded(0, weight: RoundPolicy.stalenessWeight(0) / 1)
            fed.aggregate(outcome(fed, arrived: [0], round: version))
            for (xk, yk) in zip(x, y0) {
                for j in 0..<xk.count { xk.ptr[j] = xk.ptr[j] + 1 * (yk.ptr[j] + -1 * xk.ptr[j]) }
            }
            XCTAssertTrue(same(fed.globalValues, x), "version \(version + 1)")
            XCTAssertTrue(same(shared(fed, 1), y1), "client 1 is never written while idle")
        }
        fed.uploaded(1, weight: RoundPolicy.stalenessWeight(3) / 1)
        XCTAssertEqual(RoundPolicy.stalenessWeight(3), 0.5)
        fed.aggregate(outcome(fed, arrived: [1], round: 3))
        for k in x.indices {
            let xk = x[k], yk = y1[k], x0k = x0[k]
            for j in 0..<xk.count { xk.ptr[j] = xk.ptr[j] + 0.5 * (yk.ptr[j] + -1 * x0k.ptr[j]) }
        }
        XCTAssertTrue(same(fed.globalValues, x), "x4 = x3 + ½·(y1 − x0)")
    }
}
