import XCTest
@testable import Tensor

/// Full-model gradients, every parameter role, against finite differences.
final class ModelGradientTests: XCTestCase {
    static let config = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 8, blockSize: 6, vocabSize: 11)

    /// A model whose LoRA B factors are non-zero, so every factor has a gradient.
    /// Embeddings of unit scale keep the LayerNorms well conditioned (with
    /// nanoGPT's 0.02 they amplify a width-8 residual ~50x, and finite
    /// differences then measure curvature rather than slope).
    static func model(_ ad: AdapterConfig, seed: UInt64 = 1) throws -> GPT {
        let m = try GPT(config: config, adapters: ad, rng: RNG(seed: seed, stream: "init"))
        var r = RNG(seed: seed, stream: "B")
        for p in m.parameters where p.role.loraFactor == .b { p.value.fillNormal(std: 0.05, rng: &r) }
        for p in m.parameters where p.role == .router { p.value.fillNormal(std: 0.5, rng: &r) }
        for p in [m.wte, m.wpe] { p.value.fillNormal(std: 0.5, rng: &r) }
        return m
    }

    static func batch(seed: UInt64 = 2, b: Int = 2, t: Int = 5) -> TokenBatch {
        var r = RNG(seed: seed, stream: "data")
        let v = config.vocabSize
        return TokenBatch(inputs: (0..<b * t).map { _ in Int32(r.int(below: v)) },
                          targets: (0..<b * t).map { _ in Int32(r.int(below: v)) }, batch: b, time: t)
    }

    func check(_ ad: AdapterConfig, lambda: Float = 0.5, file: StaticString = #filePath, line: UInt = #line) throws {
        let m = try Self.model(ad)
        let data = Self.batch()
        _ = try Trainer.accumulate(m, micro: [data], lambdaLB: lambda)
        let loss = { () -> Double in
            let s = m.forward(data)
            return s.meanCE + Double(lambda) * Double(s.loadBalance)
        }
        // Every router's expert choices (and the block-output re-routing's): finite differences
        // must not cross a routing switch.
        let routing = { () -> [Int32] in
            m.blocks.flatMap { b in
                (0..<data.inputs.count * b.mlp.router.k).flatMap { i in
                    [b.mlp.router.choice.ptr[i], b.balance?.choice.ptr[i] ?? -1]
                }
            }
        }
        var roles = Set<String>(), checked = 0, total = 0
        for p in m.trainableParameters {
            roles.insert("\(p.role)")
            let g = p.grad.clone()
            let idx = GradCheck.sample(p.value.count, 12)
            checked += GradCheck(h: 5e-3, atol: 2e-4, rtol: 3e-2).check("\(p.name)", x: p.value.ptr, analytic: g.ptr,
                                                                        indices: idx, loss: loss, signature: routing,
                                                                        file: file, line: line)
            total += idx.count
        }
        XCTAssertGreaterThan(checked, total * 9 / 10, "most entries are away from routing switches", file: file, line: line)
        let expected = ad.trainBase ? 1 : 2 * (1 + ad.experts) + (ad.hasRouter ? 1 : 0)
        XCTAssertEqual(roles.count, expected, "roles seen: \(roles.sorted())", file: file, line: line)
    }

    func testDenseGPT() throws { try check(.dense) }
    func testPlainLoRAOneExpert() throws { try check(AdapterConfig(rank: 2, experts: 1)) }
    func testTwoExpertsTop2() throws { try check(AdapterConfig(rank: 2, experts: 2)) }
    func testTwoExpertsTop1() throws { try check(AdapterConfig(rank: 2, experts: 2, topK: 1)) }
    func testThreeExpertsTop2() throws { try check(AdapterConfig(rank: 2, experts: 3)) }
    func testThreeExpertsTop1() throws { try check(AdapterConfig(rank: 2, experts: 3, topK: 1)) }
    func testNoRouterMean() throws { try check(AdapterConfig(rank: 2, experts: 3, router: .mean)) }
    func testGeneralistImportance() throws { try check(AdapterConfig(rank: 2, experts: 3, generalistImportance: 0.8)) }

    // compat "reference": the load-balancing loss re-routes each block's output (BlockOutputBalance).
    static func reference(_ a: AdapterConfig) -> AdapterConfig { var a = a; a.loadBalance = .blockOutput; return a }
    func testBlockOutputBalanceThreeExpertsTop2() throws { try check(Self.reference(AdapterConfig(rank: 2, experts: 3))) }
    func testBlockOutputBalanceThreeExpertsTop1() throws { try check(Self.reference(AdapterConfig(rank: 2, experts: 3, topK: 1))) }
    func testBlockOutputBalanceTwoExpertsTop1() throws { try check(Self.reference(AdapterConfig(rank: 2, experts: 2, topK: 1))) }
    func testBlockOutputBalanceImportance() throws {
        try check(Self.reference(AdapterConfig(rank: 2, experts: 2, generalistImportance: 0.8)))
    }

    /// Every runscript of the paper's tables has E = k = 2 and importance 0.5, where both
    /// load-balancing terms are Σ_e p_e = 1 for any input: the original's block-output term
    /// then changes no gradient, while with three experts it does.
    func testBlockOutputBalanceIsConstantAtTwoExpertsTopTwo() throws {
        func gradients(_ ad: AdapterConfig) throws -> (lb: Float, grads: [[Float]]) {
            let m = try Self.model(ad)
            let data = Self.batch()
            _ = try Trainer.accumulate(m, micro: [data], lambdaLB: 0.5)
            let lb = m.forward(data).loadBalance
            return (lb, m.trainableParameters.map { Array(UnsafeBufferPointer(start: $0.grad.ptr, count: $0.grad.count)) })
        }
        func maxDifference(_ a: [[Float]], _ b: [[Float]]) -> Float {
            zip(a, b).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
        }
        let two = AdapterConfig(rank: 2, experts: 2)
        let (paperLB, paper) = try gradients(two), (referenceLB, reference) = try gradients(Self.reference(two))
        XCTAssertEqual(paperLB, 1, accuracy: 1e-6)
        XCTAssertEqual(referenceLB, 1, accuracy: 1e-6)
        XCTAssertLessThan(maxDifference(paper, reference), 1e-6)
        let three = AdapterConfig(rank: 2, experts: 3)
        XCTAssertGreaterThan(maxDifference(try gradients(three).grads, try gradients(Self.reference(three)).grads), 1e-4)
    }
}
