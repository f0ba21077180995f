import XCTest
@testable import Simulator
@testable import Tensor

/// Baselines' rules on tiny models.
final class MethodsTests: XCTestCase {
    func federation(_ s: any CollaborationStrategy) throws -> Federation {
        let base = try GPT(config: FederationTests.config, adapters: .dense, rng: RNG(seed: 1, stream: "base"))
        var t = TrainingConfig(totalSteps: 10)
        t.batch = 4
        t.microBatch = 2
        t.time = 16
        return try Federation(base: base, data: FederationTests.data(4), strategy: s, training: t, seed: 5, workers: 2)
    }

    func everyoneArrives(_ fed: Federation) -> RoundOutcome {
        let arrived = (0..<fed.count).map { Participation(client: $0, steps: 2, slowdown: 1, start: 0, arrival: 1, version: 0, weight: 0.25) }
        return RoundOutcome(round: 0, start: 0, end: 1, selected: Array(0..<fed.count), arrived: arrived, failed: [], dropped: [])
    }

    /// FFA-LoRA: every A is the same on all clients and never changes; only B trains and travels.
    func testFFALoRAFreezesASharedAcrossClients() throws {
        let fed = try federation(FFALoRA(rank: 4))
        func aMatrices(_ i: Int) -> [Parameter] {
            fed.model(i).parameters.filter { if case .attentionLoRA(.a) = $0.role { true } else if case .expertLoRA(_, .a) = $0.role { true } else { false } }
        }
        let a0 = aMatrices(0).map { $0.value.clone() }
        for i in 1..<4 { XCTAssertTrue(zip(aMatrices(i), a0).allSatisfy { $0.value.bitEqual($1) }, "client \(i) starts with the same A") }
        XCTAssertTrue(fed.clients[0].shared.allSatisfy { FFALoRA.isB($0.role) })
        XCTAssertFalse(fed.clients[0].shared.isEmpty)
        _ = fed.train((0..<4).map { (client: $0, steps: 3) }, round: 0)
        fed.aggregate(everyoneArrives(fed))
        for i in 0..<4 { XCTAssertTrue(zip(aMatrices(i), a0).allSatisfy { $0.value.bitEqual($1) }, "client \(i)'s A never changes") }
        XCTAssertFalse(zip(fed.clients[0].shared, fed.server(FFALoRA(rank: 4))).allSatisfy { $0.value.bitEqual($1) }, "B trained")
        // Only the B half of FedAvg's traffic.
        let aBytes = 4 * aMatrices(0).reduce(0) { $0 + $1.value.count }
        XCTAssertEqual(fed.sharedBytes(0) + aBytes, try federation(FedAvg(rank: 4)).sharedBytes(0))
    }
}

extension Federation {
    /// The initial shared values the server sends (for comparisons in tests).
    func server(_ s: any CollaborationStrategy) -> [Tensor] {
        let m = try! GPT(config: FederationTests.config, adapters: s.adapters(client: 0), rng: RNG(seed: 5, stream: "global"))
        return m.parameters.filter { s.shares($0.role) }.map(\.value)
    }
}
