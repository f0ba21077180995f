import Foundation
import XCTest
@testable import Tensor

/// Routing statistics on a one-layer model whose router decisions are set by hand.
final class RoutingTests: XCTestCase {
    static let config = GPTConfig(nLayer: 1, nHead: 1, nEmbd: 8, blockSize: 8, vocabSize: 16)

    /// Token v's class: v % 3 == 0 → logits (ln 3, 0), p = (3/4, 1/4), top-1 expert 0;
    /// v % 3 == 1 → logits (−ln 3, 0), p = (1/4, 3/4), top-1 expert 1; v % 3 == 2 → a tie, p = (1/2, 1/2), expert 0.
    static func expert(_ v: Int32) -> Int { v % 3 == 1 ? 1 : 0 }

    /// Positions and attention output are zeroed, so the MLP input is LayerNorm(wte[v]);
    /// wte[v] = (±100, ∓100, 0, …) normalises to (±2, ∓2, 0, …), and R's first row is (ln 3 / 2, 0, …).
    static func handRouted(_ adapters: AdapterConfig) throws -> GPT {
        let m = try GPT(config: config, adapters: adapters, rng: RNG(seed: 1, stream: "init"))
        func param(_ name: String) -> Tensor { m.parameters.first { $0.name == name }!.value }
        param("transformer.wpe.weight").zero()
        param("transformer.h.0.attn.c_proj.weight").zero()
        param("transformer.h.0.attn.c_proj.bias").zero()
        let wte = param("transformer.wte.weight")
        wte.zero()
        for v in 0..<16 where v % 3 != 2 {
            let s: Float = v % 3 == 0 ? 100 : -100
            wte.ptr[v * 8] = s
            wte.ptr[v * 8 + 1] = -s
        }
        if adapters.hasRouter {
            let r = param("transformer.h.0.mlp.router.weight")
            r.zero()
            r.ptr[0] = Float(log(3.0) / 2)
        }
        return m
    }

    static let h34 = -(0.75 * log(0.75) + 0.25 * log(0.25))  // entropy of (3/4, 1/4)

    func testHandSetRouterGivesKnownDecisionsAndStatistics() throws {
        let m = try Self.handRouted(AdapterConfig(rank: 2, experts: 2))
        let input: [Int32] = [0, 1, 2, 3, 4, 5, 6, 9]
        input.withUnsafeBufferPointer { _ = m.forward(inputs: $0, targets: nil, batch: 2, time: 4) }
        let r = m.routes(layer: 0)
        XCTAssertEqual(r.top1, [0, 1, 0, 0, 1, 0, 0, 0])
        for (got, want) in zip(r.prob, [0.75, 0.75, 0.5, 0.75, 0.75, 0.5, 0.75, 0.75] as [Float]) {
            XCTAssertEqual(got, want, accuracy: 1e-6)
        }
        XCTAssertEqual(r.probs[2], 0.25, accuracy: 1e-6)  // token 1: p(expert 0)
        XCTAssertEqual(r.probs[3], 0.75, accuracy: 1e-6)

        let tally = RoutingTally(layers: 1, experts: 2, generalists: 1)
        let origins: [UInt8] = [0, 1, 0, 0, 1, 1, 0, 1]
        origins.withUnsafeBufferPointer { tally.add(m, origins: $0) }
        let s = tally.stats[0]
        XCTAssertEqual(s.layer, 0)
        XCTAssertEqual(s.tokens, 8)
        XCTAssertEqual(s.top1Share, [0.75, 0.25])
        XCTAssertEqual(s.meanProb[0], 4.5 / 8, accuracy: 1e-6)  // (4·3/4 + 2·1/4 + 2·1/2) / 8
        XCTAssertEqual(s.meanProb[1], 3.5 / 8, accuracy: 1e-6)
        XCTAssertEqual(s.entropy, (6 * Self.h34 + 2 * log(2.0)) / 8, accuracy: 1e-6)
        // General tokens 0, 2, 3, 6 all go to the generalist; private tokens 1, 4 go to
        // the specialist, 5 (a tie) and 9 do not.
        XCTAssertEqual(s.generalToGeneralist, 1)
        XCTAssertEqual(s.privateToSpecialist, 0.5)
        XCTAssertEqual(s.accuracy, 0.75)

        // A second pass without labels adds tokens but no labelled ones.
        tally.add(m, origins: nil)
        let s2 = tally.stats[0]
        XCTAssertEqual(s2.tokens, 16)
        XCTAssertEqual(s2.top1Share, [0.75, 0.25])
        XCTAssertEqual(s2.accuracy, 0.75)
    }

    func testEvaluationTalliesAlignedWindowsAndKeepsTheLossBitIdentical() throws {
        let m = try Self.handRouted(AdapterConfig(rank: 2, experts: 2))
        // 25 tokens = 3 windows of 8 (the last token is only a target), run as batches of 2 and 1.
        let data: [Int32] = (0..<25).map { Int32(($0 * 7) % 16) }
        let origins: [UInt8] = data.map { UInt8(Self.expert($0)) }  // private exactly where the specialist wins
        let tally = RoutingTally(layers: 1, experts: 2, generalists: 1)
        let plain = data.withUnsafeBufferPointer { Evaluation.evaluate(m, tokens: $0, context: 8, batch: 2) }
        let tallied = data.withUnsafeBufferPointer { d in origins.withUnsafeBufferPointer { o in
            Evaluation.evaluate(m, tokens: d, context: 8, batch: 2, routing: tally, origins: o) } }
        XCTAssertEqual(plain, tallied)
        XCTAssertEqual(plain.loss.bitPattern, tallied.loss.bitPattern)
        let s = tally.stats[0]
        XCTAssertEqual(s.tokens, 24)
        let specialist = data.prefix(24).filter { Self.expert($0) == 1 }.count
        XCTAssertEqual(specialist, 8)  // v = 7i mod 16 has v % 3 == 1 for 8 of the first 24
        XCTAssertEqual(s.top1Share, [16.0 / 24, 8.0 / 24])
        XCTAssertEqual(s.accuracy, 1)  // any misalignment of the labels would break this
        XCTAssertEqual(s.generalToGeneralist, 1)
        XCTAssertEqual(s.privateToSpecialist, 1)
    }

    func testNoRouterIsUniformWithExpertZeroOnTop() throws {
        let single = try Self.handRouted(AdapterConfig(rank: 2, experts: 1))
        let input: [Int32] = [0, 1, 2, 3]
        input.withUnsafeBufferPointer { _ = single.forward(inputs: $0, targets: nil, batch: 1, time: 4) }
        let r = single.routes(layer: 0)
        XCTAssertEqual(r.top1, [0, 0, 0, 0])
        XCTAssertEqual(r.prob, [1, 1, 1, 1])
        let t1 = RoutingTally(layers: 1, experts: 1, generalists: 1)
        let origins: [UInt8] = [0, 1, 1, 0]
        origins.withUnsafeBufferPointer { t1.add(single, origins: $0) }
        XCTAssertEqual(t1.stats, [RoutingStats(layer: 0, tokens: 4, top1Share: [1], meanProb: [1], entropy: 0,
                                               generalToGeneralist: 1, privateToSpecialist: 0, accuracy: 0.5)])

        let mean = try Self.handRouted(AdapterConfig(rank: 2, experts: 3, router: .mean))
        input.withUnsafeBufferPointer { _ = mean.forward(inputs: $0, targets: nil, batch: 1, time: 4) }
        XCTAssertEqual(mean.routes(layer: 0).probs, Array(repeating: 1 / 3, count: 12))
        let t3 = RoutingTally(layers: 1, experts: 3, generalists: 1)
        t3.add(mean, origins: nil)
        let s = t3.stats[0]
        XCTAssertEqual(s.top1Share, [1, 0, 0])
        XCTAssertEqual(s.meanProb[2], 1.0 / 3, accuracy: 1e-7)
        XCTAssertEqual(s.entropy, log(3.0), accuracy: 1e-6)
        XCTAssertNil(s.generalToGeneralist)
        XCTAssertNil(s.privateToSpecialist)
        XCTAssertNil(s.accuracy)
    }
}

/// Settled (issue 13): with several generalists only expert 0 gets the generalist's
/// load-balancing weight c_0 = 1/g; every other expert, generalist or not, gets (E−1)/(1−g);
/// all divided by E — as the original code's `expert0_importance` (models/gating.py) does.
final class GeneralistImportanceTests: XCTestCase {
    func testOnlyExpertZeroGetsTheGeneralistWeight() throws {
        let g: Float = 0.5, e: Float = 3
        let model = try GPT(config: GPTConfig(nLayer: 1, nHead: 1, nEmbd: 8, blockSize: 4, vocabSize: 16),
                            adapters: AdapterConfig(rank: 2, experts: 3, generalistImportance: g), rng: RNG(seed: 0, stream: "lb"))
        XCTAssertEqual(model.blocks[0].mlp.router.importance, [1 / g / e, (e - 1) / (1 - g) / e, (e - 1) / (1 - g) / e])
    }
}
