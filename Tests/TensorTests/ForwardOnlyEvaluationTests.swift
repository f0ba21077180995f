import XCTest
@testable import Tensor

/// Evaluation runs forward-only (`GPT.forwardForScoring`, `CrossEntropy.score`): the same
/// operations in the same order as the training forward, so the same bits, at any number of
/// windows per forward.
final class ForwardOnlyEvaluationTests: XCTestCase {
    /// A router with top-1 of 3 experts (data-dependent routing, a gather per expert) and non-zero
    /// LoRA B, so every product carries signal.
    func model() throws -> GPT {
        let m = try GPT(config: GPTConfig(nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16, vocabSize: 64),
                        adapters: AdapterConfig(rank: 4, experts: 3, topK: 1), rng: RNG(seed: 4, stream: "init"))
        var r = RNG(seed: 4, stream: "B")
        for p in m.parameters where p.role.loraFactor == .b || p.role == .router { p.value.fillNormal(std: 0.3, rng: &r) }
        return m
    }

    func testSameBitsAsTheTrainingForwardAtAnyWindowsPerForward() throws {
        let m = try model(), t = 16
        var r = RNG(seed: 5, stream: "tokens")
        let data = (0..<(21 * t + 1)).map { _ in Int32(r.int(below: 64)) }  // 21 windows: two full groups of 8 and 5
        let starts = Evaluation.fullWindows(data.count, context: t)
        XCTAssertEqual(starts.count, 21)
        let inputs = starts.flatMap { data[$0 ..< $0 + t] }, targets = starts.flatMap { data[$0 + 1 ... $0 + t] }
        let reference = EvalBenchmark.trainingForwardSum(m, inputs: inputs, targets: targets, windows: 21, time: t) / Double(21 * t)
        var stats: [[RoutingStats]] = []
        for batch in [1, 3, 8, 13, 21, 40] {
            let tally = RoutingTally(layers: 2, experts: 3, generalists: 1)
            let r = data.withUnsafeBufferPointer { Evaluation.evaluate(m, tokens: $0, context: t, batch: batch, routing: tally) }
            XCTAssertEqual(r.loss.bitPattern, reference.bitPattern, "\(batch) windows per forward")
            XCTAssertEqual(r.tokens, 21 * t)
            stats.append(tally.stats)
        }
        XCTAssertTrue(stats.allSatisfy { $0 == stats[0] }, "the routing tally does not depend on the windows per forward")
        XCTAssertGreaterThan(Set(stats[0][0].top1Share).count, 1, "tokens went to different experts")
        // The random batches PCL and FDLoRA score: the same sum as the training forward's too.
        let batch = TokenBatch(inputs: inputs, targets: targets, batch: 21, time: t)
        XCTAssertEqual(Evaluation.meanLoss(m, batch).bitPattern, reference.bitPattern)
    }

    /// `score` leaves the rows as exponentials but gives `forward`'s sum, continued across calls.
    func testScoreIsForwardsSum() {
        var r = RNG(seed: 6, stream: "logits")
        let n = 5, v = 33
        let logits = (0..<n * v).map { _ in r.normal() * 4 }, targets = (0..<n).map { _ in Int32(r.int(below: v)) }
        var a = logits, b = logits
        let f = a.withUnsafeMutableBufferPointer { CrossEntropy.forward($0.baseAddress!, targets: targets, n: n, vocab: v) }
        let s = b.withUnsafeMutableBufferPointer { p in
            CrossEntropy.score(p.baseAddress! + 2 * v, targets: Array(targets[2...]), n: 3, vocab: v,
                               start: CrossEntropy.score(p.baseAddress!, targets: targets, n: 2, vocab: v, start: 0))
        }
        XCTAssertEqual(f.bitPattern, s.bitPattern)
    }
}
