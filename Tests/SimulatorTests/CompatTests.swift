import XCTest
@testable import Simulator
@testable import Tensor

/// A round in which `clients` arrive with equal weights.
func arrival(_ fed: Federation, _ clients: [Int], round: Int = 0) -> RoundOutcome {
    let arrived = clients.map { Participation(client: $0, steps: 2, slowdown: 1, start: 0, arrival: 1, version: 0, weight: 1 / Double(clients.count)) }
    return RoundOutcome(round: round, start: 0, end: 1, selected: Array(0..<fed.count), arrived: arrived, failed: [], dropped: [])
}

/// Issue 15 §2: `compat: "reference"` — each behaviour of the original code that departs from its
/// method's paper, on its own.
final class CompatTests: XCTestCase {
    func federation(_ s: any CollaborationStrategy) throws -> Federation { try MethodsTests.federation(s) }

    func arrive(_ fed: Federation, _ clients: [Int]) -> RoundOutcome { arrival(fed, clients) }

    /// The original's `ffalora` is its expert-0 strategy: A trains and travels (FedAvg), with
    /// `--is_pruning`'s rank regulariser on the MLP LoRA.
    func testFFALoRAReferenceTrainsAAndRegularises() throws {
        let paper = FFALoRA(rank: 4), code = FFALoRA(rank: 4, reference: true)
        XCTAssertFalse(paper.trains(.expertLoRA(expert: 0, .a)))
        XCTAssertTrue(code.trains(.expertLoRA(expert: 0, .a)))
        XCTAssertTrue(code.shares(.attentionLoRA(.a)))
        let m = try GPT(config: FederationTests.config, adapters: AdapterConfig(rank: 4), rng: RNG(seed: 2, stream: "m"))
        var r = RNG(seed: 3, stream: "B")
        for p in m.parameters where p.role.loraFactor == .b { p.value.fillNormal(std: 0.3, rng: &r) }
        let ranks = mlpLoRAPairs(m.parameters).map { _ in 4 }
        m.zeroGrad()
        paper.regularize(m, ranks: ranks)
        XCTAssertTrue(m.parameters.allSatisfy { p in (0..<p.grad.count).allSatisfy { p.grad.ptr[$0] == 0 } })
        code.regularize(m, ranks: ranks)
        let a = mlpLoRAPairs(m.parameters)[0].a
        XCTAssertNotEqual(a.grad.ptr[3 * a.value.shape[1]], 0, "the tail slot (3 of 4) is regularised")
        XCTAssertEqual(a.grad.ptr[0], 0)
    }

    /// The original marks nothing of FedSA-LoRA client-specific: every LoRA matrix travels.
    func testFedSALoRAReferenceSharesB() {
        XCTAssertFalse(FedSALoRA().shares(.expertLoRA(expert: 0, .b)))
        XCTAssertTrue(FedSALoRA(reference: true).shares(.expertLoRA(expert: 0, .b)))
    }

    /// PCL's perplexity in the original is 2.71828 ** loss.
    func testPCLReferencePerplexity() {
        XCTAssertEqual(PCL.perplexity(2, reference: false), 7.38905609893065, accuracy: 1e-12)
        XCTAssertEqual(PCL.perplexity(2, reference: true), 2.71828 * 2.71828, accuracy: 1e-12)
    }

    /// FlexLoRA in the original: the accumulator is reset per client, so only the last arrival's
    /// update survives; A = V_Rᵀ (orthonormal rows) and B = U_R·S_R/(16/R) at the server's rank R.
    func testFlexLoRAReferenceKeepsOnlyTheLastArrival() throws {
        func run(_ reference: Bool, perturbFirst: Bool) throws -> [Float] {
            let fed = try federation(FlexLoRA(ranks: [2, 4, 4, 2], reference: reference))
            var rng = RNG(seed: 3, stream: "B")
            for i in 0..<4 { for p in mlpLoRAPairs(fed.clients[i].shared).map(\.b) { p.value.fillNormal(std: 0.3, rng: &rng) } }
            if perturbFirst { for p in mlpLoRAPairs(fed.clients[0].shared).map(\.b) { p.value.fillNormal(std: 0.3, rng: &rng) } }
            fed.aggregate(arrive(fed, [0, 1, 2, 3]))
            return (0..<4).flatMap { i in mlpLoRAPairs(fed.clients[i].shared).flatMap { Array($0.a.value.buffer) + Array($0.b.value.buffer) } }
        }
        XCTAssertEqual(try run(true, perturbFirst: false), try run(true, perturbFirst: true), "client 0's update never counts")
        XCTAssertNotEqual(try run(false, perturbFirst: false), try run(false, perturbFirst: true))
        let fed = try federation(FlexLoRA(ranks: [2, 4, 4, 2], reference: true))
        var rng = RNG(seed: 5, stream: "B")
        for i in 0..<4 { for p in mlpLoRAPairs(fed.clients[i].shared).map(\.b) { p.value.fillNormal(std: 0.3, rng: &rng) } }
        let (a3, b3) = mlpLoRAPairs(fed.clients[3].shared)[0]
        let sizes = (0..<4).map { Double(fed.clients[$0].data.count(.train)) }
        let w = Float(sizes[3] / sizes.reduce(0, +)) * 16 / 2  // merge rate 16/r of the last client (rank 2)
        let (outF, inF) = (b3.value.shape[0], a3.value.shape[1])
        var dW = [Float](repeating: 0, count: outF * inF)
        for o in 0..<outF { for n in 0..<inF { for k in 0..<2 { dW[o * inF + n] += w * b3.value.ptr[o * 2 + k] * a3.value.ptr[k * inF + n] } } }
        let svd = dW.withUnsafeBufferPointer { SVD($0.baseAddress!, rows: outF, cols: inF) }
        fed.aggregate(arrive(fed, [0, 1, 2, 3]))
        let (a1, b1) = mlpLoRAPairs(fed.clients[1].shared)[0]  // rank 4 = the server's
        for j in 0..<4 {
            var norm: Float = 0
            for i in 0..<inF { norm += a1.value.ptr[j * inF + i] * a1.value.ptr[j * inF + i] }
            XCTAssertEqual(norm, 1, accuracy: 1e-4, "row \(j) of A is a right singular vector")
            // ‖B[:, j]‖ = σ_j / (16/4).
            var bn: Float = 0
            for o in 0..<outF { bn += b1.value.ptr[o * 4 + j] * b1.value.ptr[o * 4 + j] }
            XCTAssertEqual(bn.squareRoot(), svd.s[j] / 4, accuracy: 1e-4 * svd.s[0] + 1e-6)
        }
    }

    /// The original's alternating update clears only the stepping optimizer's gradients: the
    /// routers collect the expert steps' gradients until their burst, and the experts collect
    /// the burst's validation gradients for their next step.
    func testAlternatingUpdateReferenceCarriesGradientsAcross() throws {
        func fed(_ leaks: Bool) throws -> Federation {
            try federation(CoMiGS(rank: 4, schedule: RouterSchedule(every: 3, iters: 1, leaksGradients: leaks)))
        }
        func norm(_ ps: [Parameter]) -> Float { ps.reduce(0) { s, p in s + (0..<p.grad.count).reduce(0) { $0 + abs(p.grad.ptr[$1]) } } }
        let leaky = try fed(true), plain = try fed(false)
        let c = leaky.clients[0], routers = c.routers.map { c.own[$0] }, experts = c.experts.map { c.own[$0] }
        // Gradients that do not carry over stay in the worker's shell, which the client borrowed.
        let shell = plain.models.shell(worker: 0, plain.adapters(0)), plainRouters = plain.clients[0].routers.map { shell.adapters[$0] }
        _ = leaky.train([(client: 0, steps: 2)], round: 0)
        _ = plain.train([(client: 0, steps: 2)], round: 0)
        XCTAssertGreaterThan(norm(routers), 0, "two expert steps' router gradients wait for the burst")
        XCTAssertEqual(norm(experts), 0, "the expert optimizer cleared its own")
        XCTAssertEqual(norm(plainRouters), 0, "frozen routers collect nothing")
        XCTAssertGreaterThan(norm(plain.clients[0].experts.map { shell.adapters[$0] }), 0, "the plain schedule's expert gradients are the shell's")
        _ = leaky.train([(client: 0, steps: 1)], round: 1)  // step 3: expert step, then one router step
        XCTAssertEqual(norm(routers), 0, "the router optimizer cleared its own")
        XCTAssertGreaterThan(norm(experts), 0, "the burst's validation gradients wait for the next expert step")
        XCTAssertTrue(leaky.tensors().contains { $0.0.hasPrefix("client0.grad.") }, "carried gradients are checkpointed")
        XCTAssertFalse(plain.tensors().contains { $0.0.contains(".grad.") })
    }
}

/// HetLoRA's per-location ranks survive a checkpoint: a restored federation trains and aggregates
/// exactly as the one it was taken from.
final class HetLoRASnapshotTests: XCTestCase {
    func testPerLocationRanksRoundTrip() throws {
        let het = HetLoRA(ranks: [2, 4, 4, 2], lambda: 0.5, gamma: 0.6)
        let a = try MethodsTests.federation(het), b = try MethodsTests.federation(het)
        _ = a.train((0..<4).map { (client: $0, steps: 2) }, round: 0)
        a.aggregate(arrival(a, [0, 1, 2, 3]))
        a.clients[1].rank.ranks[2] = 3
        a.clients[2].rank.ranks = a.clients[2].rank.ranks.map { _ in 2 }
        let values = Dictionary(uniqueKeysWithValues: a.tensors().map { ($0.0, $0.1.clone()) })
        try b.restore(a.clientSnapshots(), server: a.aggregator.snapshot()) { name, t in t.copy(from: values[name]!) }
        XCTAssertEqual(b.clients.map(\.rank.ranks), a.clients.map(\.rank.ranks))
        for f in [a, b] {
            _ = f.train((0..<4).map { (client: $0, steps: 2) }, round: 1)
            f.aggregate(arrival(f, [0, 1, 2, 3], round: 1))
        }
        XCTAssertEqual(a.clients.map(\.rank.ranks), b.clients.map(\.rank.ranks))
        for (x, y) in zip(a.tensors(), b.tensors()) { XCTAssertEqual(Array(x.1.buffer), Array(y.1.buffer), x.0) }
        XCTAssertTrue((0..<32).allSatisfy { mlpLoRAPairs(b.clients[2].shared)[0].a.value.ptr[2 * 32 + $0] == 0 }, "slot 2 of a rank-2 location stays zero")
    }
}
