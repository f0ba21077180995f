import XCTest
@testable import Simulator
@testable import Tensor

final class CostModelTests: XCTestCase {
    /// One layer, width 4, one head, 2 tokens, vocabulary 5, everything trained, by hand:
    /// LM head 2·2·5·4 = 80, ×3 (forward, input and weight gradients) = 240;
    /// c_attn 2·2·12·4 = 192 ×3 = 576; attention: a 2×2 score block, 2·1·4·4 = 32 per
    /// product, 2 forward + 4 backward products = 192; c_proj 2·2·4·4 = 64 ×3 = 192;
    /// c_fc 2·2·16·4 = 256 ×3 = 768; MLP c_proj 256 ×3 = 768. Total 2,736.
    func testHandCountOneLayer() throws {
        let cfg = GPTConfig(nLayer: 1, nHead: 1, nEmbd: 4, blockSize: 2, vocabSize: 5)
        XCTAssertEqual(CostModel.trainingFlops(config: cfg, adapters: .dense, batch: 1, time: 2), 2736)
        let m = try GPT(config: cfg, adapters: .dense, rng: RNG(seed: 1, stream: "i"))
        _ = try Trainer.accumulate(m, micro: [TokenBatch(inputs: [1, 2], targets: [2, 3], batch: 1, time: 2)], lambdaLB: 0)
        XCTAssertEqual(m.flops.flops, 2736, "the engine did exactly the counted products")
    }

    /// The formula equals what the engine counts on a real step, for every adapter
    /// shape, using the routing the layers actually chose.
    func testMatchesTheEngine() throws {
        let cfg = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 40, vocabSize: 30)
        for ad in [AdapterConfig.dense, AdapterConfig(rank: 4), AdapterConfig(rank: 4, experts: 2),
                   AdapterConfig(rank: 4, experts: 3, topK: 1), AdapterConfig(rank: 4, experts: 3, router: .mean)] {
            let m = try GPT(config: cfg, adapters: ad, rng: RNG(seed: 2, stream: "i"))
            var r = RNG(seed: 3, stream: "d")
            let n = 3 * 40
            let batch = TokenBatch(inputs: (0..<n).map { _ in Int32(r.int(below: 30)) },
                                   targets: (0..<n).map { _ in Int32(r.int(below: 30)) }, batch: 3, time: 40)
            _ = try Trainer.accumulate(m, micro: [batch], lambdaLB: 0.01)
            let routing = m.blocks.map { b in (0..<ad.experts).map { b.mlp.router.assignments[$0].count } }
            XCTAssertEqual(CostModel.trainingFlops(config: cfg, adapters: ad, batch: 3, time: 40, routing: routing),
                           m.flops.flops, "\(ad)")
            let counts = m.parameters.reduce(into: CostModel.Parameters()) {
                if $1.requiresGrad { $0.trainable += $1.value.count } else { $0.base += $1.value.count }
            }
            XCTAssertEqual(CostModel.parameters(config: cfg, adapters: ad), counts, "\(ad)")
        }
    }

    /// Frozen groups skip their weight gradients: a router step is cheaper than an expert step.
    func testFrozenGroupsSkipWeightGradients() {
        let cfg = GPTConfig.tiny, ad = AdapterConfig(rank: 8, experts: 2)
        let all = CostModel.trainingFlops(config: cfg, adapters: ad, batch: 8, time: 128)
        let routerOnly = CostModel.trainingFlops(config: cfg, adapters: ad, batch: 8, time: 128,
                                                 trains: .init(attention: false, experts: false, router: true))
        XCTAssertLessThan(routerOnly, all)
        let dense = CostModel.trainingFlops(config: cfg, adapters: .dense, batch: 8, time: 128)
        XCTAssertGreaterThan(dense, CostModel.trainingFlops(config: cfg, adapters: AdapterConfig(rank: 8), batch: 8, time: 128),
                             "a frozen base saves its weight gradients")
    }

    func testMemoryGrowsWithExpertsAndBatch() {
        let cfg = GPTConfig.tiny
        let one = CostModel.memoryBytes(config: cfg, adapters: AdapterConfig(rank: 8, experts: 2), batch: 8, time: 128)
        let more = CostModel.memoryBytes(config: cfg, adapters: AdapterConfig(rank: 8, experts: 4), batch: 8, time: 128)
        let bigger = CostModel.memoryBytes(config: cfg, adapters: AdapterConfig(rank: 8, experts: 2), batch: 16, time: 128)
        XCTAssertLessThan(one, more)
        XCTAssertLessThan(one, bigger)
        // Base weights alone: 4 bytes per parameter.
        XCTAssertGreaterThan(one, 4 * CostModel.parameters(config: cfg, adapters: AdapterConfig(rank: 8, experts: 2)).base)
    }
}

extension CostModelTests {
    func testFittingSpecialistsToMemory() {
        let cfg = GPTConfig.tiny, ad = AdapterConfig(rank: 8, experts: 4)
        func mem(_ e: Int) -> Int {
            var a = ad
            a.experts = e
            return CostModel.memoryBytes(config: cfg, adapters: a, batch: 8, time: 128)
        }
        // Room for exactly 1 generalist + 2 specialists (not 3).
        let budget = (mem(3) + mem(4)) / 2
        XCTAssertEqual(CostModel.fittingSpecialists(config: cfg, adapters: ad, generalists: 1, specialists: 3,
                                                    memory: budget, batch: 8, time: 128), 2)
        XCTAssertEqual(CostModel.fittingSpecialists(config: cfg, adapters: ad, generalists: 1, specialists: 3,
                                                    memory: 1 << 40, batch: 8, time: 128), 3)
        XCTAssertNil(CostModel.fittingSpecialists(config: cfg, adapters: ad, generalists: 1, specialists: 3,
                                                  memory: mem(1) - 1, batch: 8, time: 128))
        // Without generalists a mixture keeps one specialist: exactly its memory fits it, less fits nothing.
        XCTAssertEqual(CostModel.fewestSpecialists(generalists: 0), 1)
        XCTAssertEqual(CostModel.fittingSpecialists(config: cfg, adapters: ad, generalists: 0, specialists: 3,
                                                    memory: mem(1), batch: 8, time: 128), 1)
        XCTAssertNil(CostModel.fittingSpecialists(config: cfg, adapters: ad, generalists: 0, specialists: 3,
                                                  memory: mem(1) - 1, batch: 8, time: 128))
        XCTAssertEqual(CostModel.wireBytes(values: 10), 40)
        XCTAssertEqual(CostModel.wireBytes(values: 10, fp16: true), 20)
    }
}
