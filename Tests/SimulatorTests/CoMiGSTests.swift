import XCTest
@testable import Simulator
@testable import Tensor

/// CoMiGS's division of labour: what travels, what stays, and the alternating update.
final class CoMiGSTests: XCTestCase {
    func federation(_ s: any CollaborationStrategy, workers: Int = 1) throws -> Federation {
        let base = try GPT(config: FederationTests.config, adapters: .dense, rng: RNG(seed: 1, stream: "base"))
        var t = TrainingConfig(totalSteps: 20)
        t.batch = 4
        t.microBatch = 2
        t.time = 16
        return try Federation(base: base, data: FederationTests.data(4), strategy: s, training: t, seed: 5, workers: workers)
    }

    func snapshot(_ ps: [Parameter]) -> [Tensor] { ps.map { $0.value.clone() } }
    func same(_ ps: [Parameter], _ old: [Tensor]) -> Bool { zip(ps, old).allSatisfy { $0.value.bitEqual($1) } }

    func testOnlyGeneralistAndAttentionLoRATravel() throws {
        let fed = try federation(CoMiGS())
        let shared = Set(fed.clients[0].shared.map(\.name))
        for p in fed.parameters(0) {
            let travels: Bool
            switch p.role {
            case .attentionLoRA: travels = true
            case .expertLoRA(let e, _): travels = e == 0
            default: travels = false
            }
            XCTAssertEqual(shared.contains(p.name), travels, p.name)
        }
        // Specialists and routers are untouched by aggregation.
        _ = fed.train((0..<4).map { (client: $0, steps: 3) }, round: 0)
        let privateParams = (0..<4).map { i in fed.parameters(i) { !$0.isLoRA || $0.expert == 1 }.filter { $0.role != .base } }
        let before = privateParams.map(snapshot)
        let arrived = (0..<4).map { Participation(client: $0, steps: 3, slowdown: 1, start: 0, arrival: 1, version: 0, weight: 0.25) }
        fed.aggregate(RoundOutcome(round: 0, start: 0, end: 1, selected: [0, 1, 2, 3], arrived: arrived, failed: [], dropped: []))
        for i in 0..<4 { XCTAssertTrue(same(privateParams[i], before[i]), "client \(i)") }
        XCTAssertTrue(privateParams[0].contains { $0.role == .router })
        // …while the generalist is now the same everywhere.
        let g = (0..<4).map { fed.parameters($0) { $0.expert == 0 } }
        XCTAssertTrue(zip(g[0], g[3]).allSatisfy { $0.value.bitEqual($1.value) })
    }

    /// 1G1S ships the attention LoRA plus one expert; FedAvg-MoE with 2 experts ships two.
    /// Rank 4, width 32: per layer, attention 4·(32+96) + 4·(32+32) = 768 values, one expert 2·4·(32+128) = 1,280;
    /// two layers, float32.
    func testOneG1SShipsHalfTheExpertsOfFedAvgMoE() throws {
        let comigs = try federation(CoMiGS(rank: 4)), moe = try federation(FedAvgMoE(experts: 2, rank: 4))
        XCTAssertEqual(comigs.sharedBytes(0), 4 * 2 * (768 + 1280))
        XCTAssertEqual(moe.sharedBytes(0), 4 * 2 * (768 + 2 * 1280))
        XCTAssertEqual(CostModel.wireBytes(values: 2 * 1280), (moe.sharedBytes(0) - comigs.sharedBytes(0)))
        XCTAssertEqual(try federation(CoMiGS(generalists: 0, specialists: [2], rank: 4)).sharedBytes(0), 0, "2S ships nothing")
        XCTAssertEqual(try federation(CoMiGS(generalists: 2, specialists: [0], rank: 4)).sharedBytes(0), 4 * 2 * (768 + 2 * 1280), "2G ships all LoRA")
    }

    /// Only CoMiGS has generalists and specialists (the scenario's tuning keeps them), and its
    /// generalists are exactly the experts that travel; every other method's experts are numbered.
    func testOnlyCoMiGSHasExpertRoles() throws {
        for name in MethodRegistry.names where name != "comigs" { XCTAssertNil(try MethodRegistry.make(name).expertRoles, name) }
        let c = CoMiGS(generalists: 2, specialists: [3])
        XCTAssertEqual(Tuned(c).expertRoles, ExpertRoles(generalists: 2))
        XCTAssertEqual((0..<5).map { c.expertRoles!.isGeneralist($0) }, (0..<5).map { c.shares(.expertLoRA(expert: $0, .a)) })
        XCTAssertEqual((0..<5).filter { c.expertRoles!.isGeneralist($0) }, [0, 1])
    }

    /// Routers move only in router steps, experts only in expert steps; router steps read
    /// the validation split (or the training split for CoMiGS-train).
    func testAlternatingUpdates() throws {
        let schedule = RouterSchedule(every: 2, iters: 3, data: .valid)
        let a = try federation(CoMiGS(rank: 4, schedule: schedule))
        var quiet = schedule
        quiet.iters = 0
        let b = try federation(CoMiGS(rank: 4, schedule: quiet))
        let routers0 = snapshot(a.parameters(0) { $0 == .router })
        let experts0 = snapshot(a.parameters(0) { $0.isLoRA })
        _ = a.train([(client: 0, steps: 1)], round: 0)
        _ = b.train([(client: 0, steps: 1)], round: 0)
        XCTAssertTrue(same(a.parameters(0) { $0 == .router }, routers0), "no router step yet")
        XCTAssertFalse(same(a.parameters(0) { $0.isLoRA }, experts0))
        // Step 2 is an expert step followed by 3 router steps (in a only): experts agree, routers differ.
        _ = a.train([(client: 0, steps: 1)], round: 0)
        _ = b.train([(client: 0, steps: 1)], round: 0)
        XCTAssertTrue(zip(a.parameters(0) { $0.isLoRA }, b.parameters(0) { $0.isLoRA }).allSatisfy { $0.value.bitEqual($1.value) })
        XCTAssertFalse(same(a.parameters(0) { $0 == .router }, routers0))
        XCTAssertTrue(same(b.parameters(0) { $0 == .router }, routers0))
        // 2 batches of 2 micro-batches from train; one router phase of 3 × 2 from valid.
        XCTAssertEqual(a.clients[0].batchesDrawn, [.train: 4, .valid: 6])
        let t = try federation(CoMiGS(rank: 4, schedule: RouterSchedule(every: 2, iters: 3, data: .train)))
        _ = t.train([(client: 0, steps: 2)], round: 0)
        XCTAssertEqual(t.clients[0].batchesDrawn, [.train: 10])
        XCTAssertTrue(a.parameters(0).allSatisfy(\.requiresGrad), "the router schedule's freezing lives in the shell, not the client")
    }

    func testHeterogeneousSpecialists() throws {
        let fed = try federation(CoMiGS(specialists: [1, 1, 3, 3]))
        XCTAssertEqual((0..<4).map { fed.adapters($0).experts }, [2, 2, 4, 4])
        XCTAssertEqual(Set((0..<4).map { fed.sharedBytes($0) }).count, 1, "everyone ships the same generalist")
        _ = fed.train((0..<4).map { (client: $0, steps: 2) }, round: 0)
        let arrived = (0..<4).map { Participation(client: $0, steps: 2, slowdown: 1, start: 0, arrival: 1, version: 0, weight: 0.25) }
        fed.aggregate(RoundOutcome(round: 0, start: 0, end: 1, selected: [0, 1, 2, 3], arrived: arrived, failed: [], dropped: []))
        XCTAssertTrue(zip(fed.parameters(0) { $0.expert == 0 }, fed.parameters(3) { $0.expert == 0 })
            .allSatisfy { $0.value.bitEqual($1.value) })
    }
}
