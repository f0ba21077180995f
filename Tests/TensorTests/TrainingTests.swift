import XCTest
@testable import Tensor

final class TrainingTests: XCTestCase {
    static let small = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16, vocabSize: 32)

    /// The batch of `b` copies of a repeated short sequence (a cycle of 7 tokens).
    static func repeated(b: Int = 4, t: Int = 16) -> TokenBatch {
        let seq = (0..<(t + 1)).map { Int32([3, 1, 4, 1, 5, 9, 2][$0 % 7]) }
        let x = (0..<b).flatMap { k in seq[0..<t].map { ($0 + Int32(k)) % 32 } }
        let y = (0..<b).flatMap { k in seq[1...t].map { ($0 + Int32(k)) % 32 } }
        return TokenBatch(inputs: x, targets: y, batch: b, time: t)
    }

    func train(_ m: GPT, steps: Int, lr: Float, lambda: Float = 0) throws -> [Double] {
        let opt = AdamW(m.trainableParameters)
        let data = Self.repeated()
        return try (0..<steps).map { _ in
            let l = try Trainer.accumulate(m, micro: [data], lambdaLB: lambda)
            opt.step(lr: lr)
            return l.ce
        }
    }

    func testDenseGPTLearnsRepeatedSequence() throws {
        let m = try GPT(config: Self.small, adapters: .dense, rng: RNG(seed: 7, stream: "init"))
        let losses = try train(m, steps: 150, lr: 3e-3)
        XCTAssertGreaterThan(losses[0], 3.0)   // ≈ ln 32 at init
        XCTAssertLessThan(losses.last!, 0.05)
    }

    func testCoMiGSTrainsOnlyAdaptersAndRouter() throws {
        let m = try GPT(config: Self.small, adapters: AdapterConfig(rank: 4, experts: 2), rng: RNG(seed: 7, stream: "init"))
        let before = m.parameters.map { $0.value.clone() }
        let losses = try train(m, steps: 40, lr: 3e-3, lambda: 0.01)
        XCTAssertLessThan(losses.last!, losses[0] - 0.5)
        for (p, old) in zip(m.parameters, before) {
            if p.role == .base {
                XCTAssertTrue(p.value.bitEqual(old), "\(p.name) changed")
            } else {
                XCTAssertFalse(p.value.bitEqual(old), "\(p.name) (\(p.role)) did not train")
            }
        }
    }

    /// Separate AdamW groups for experts and router, with the other group frozen
    /// (CoMiGS's alternating update): each step moves only its own group.
    func testSeparateExpertAndRouterGroups() throws {
        let m = try GPT(config: Self.small, adapters: AdapterConfig(rank: 4, experts: 2), rng: RNG(seed: 3, stream: "init"))
        let experts = m.parameters { $0.isLoRA }, router = m.parameters { $0 == .router }
        let expertOpt = AdamW(experts), routerOpt = AdamW(router, config: AdamWConfig(weightDecay: 0))
        func snapshot(_ ps: [Parameter]) -> [Tensor] { ps.map { $0.value.clone() } }
        func same(_ ps: [Parameter], _ old: [Tensor]) -> Bool { zip(ps, old).allSatisfy { $0.value.bitEqual($1) } }
        for (train, freeze, opt) in [(experts, router, expertOpt), (router, experts, routerOpt)] {
            for p in train { p.requiresGrad = true }
            for p in freeze { p.requiresGrad = false }
            let (t0, f0) = (snapshot(train), snapshot(freeze))
            _ = try Trainer.accumulate(m, micro: [Self.repeated()], lambdaLB: 0.01)
            opt.step(lr: 1e-2)
            XCTAssertFalse(same(train, t0))
            XCTAssertTrue(same(freeze, f0))
        }
        XCTAssertEqual(expertOpt.steps, 1)
        XCTAssertEqual(routerOpt.steps, 1)
    }

    func testSameSeedIsBitIdentical() throws {
        func run() throws -> ([Double], [Tensor]) {
            let m = try GPT(config: Self.small, adapters: AdapterConfig(rank: 4, experts: 3, topK: 1),
                            rng: RNG(seed: 11, stream: "init"))
            let l = try train(m, steps: 8, lr: 3e-3, lambda: 0.01)
            return (l, m.parameters.map(\.value))
        }
        let (l1, w1) = try run(), (l2, w2) = try run()
        XCTAssertEqual(l1, l2)
        XCTAssertTrue(zip(w1, w2).allSatisfy { $0.bitEqual($1) })
        let m3 = try GPT(config: Self.small, adapters: AdapterConfig(rank: 4, experts: 3, topK: 1), rng: RNG(seed: 12, stream: "init"))
        XCTAssertFalse(zip(w1, m3.parameters.map(\.value)).allSatisfy { $0.bitEqual($1) }, "a different seed gives other weights")
    }

    /// Shard gradients are summed in shard order: reruns with threads racing agree bit for bit,
    /// and the sharded gradient equals the two-micro-batch accumulation to float rounding.
    func testShardedStepIsDeterministic() throws {
        func grads() throws -> [Tensor] {
            let m = try GPT(config: Self.small, adapters: AdapterConfig(rank: 4, experts: 2), rng: RNG(seed: 5, stream: "init"))
            _ = try ShardedTrainer(m, shards: 2).accumulate(Self.repeated(), lambdaLB: 0.01)
            return m.trainableParameters.map { $0.grad.clone() }
        }
        let g1 = try grads(), g2 = try grads()
        XCTAssertTrue(zip(g1, g2).allSatisfy { $0.bitEqual($1) })
        let m = try GPT(config: Self.small, adapters: AdapterConfig(rank: 4, experts: 2), rng: RNG(seed: 5, stream: "init"))
        let full = Self.repeated()
        let half = full.inputs.count / 2
        let micro = [TokenBatch(inputs: Array(full.inputs[..<half]), targets: Array(full.targets[..<half]), batch: 2, time: 16),
                     TokenBatch(inputs: Array(full.inputs[half...]), targets: Array(full.targets[half...]), batch: 2, time: 16)]
        _ = try Trainer.accumulate(m, micro: micro, lambdaLB: 0.01)
        for (p, g) in zip(m.trainableParameters, g1) {
            for i in 0..<g.count { XCTAssertEqual(p.grad.ptr[i], g.ptr[i], accuracy: 1e-6 + 1e-4 * abs(g.ptr[i])) }
        }
    }

    func testCosineScheduleEndsAtATenth() {
        let s = LRSchedule.cosine(peak: 2e-3, steps: 200)
        XCTAssertEqual(s.lr(at: 0), 2e-3, accuracy: 1e-9)
        XCTAssertEqual(s.lr(at: 100), 1.1e-3, accuracy: 1e-8)
        XCTAssertEqual(s.lr(at: 200), 2e-4, accuracy: 1e-9)
        XCTAssertEqual(LRSchedule.constant(1e-3).lr(at: 57), 1e-3)
    }

    /// One AdamW step by hand: m = 0.1 g, v = 0.05 g², bias-corrected → lr·sign(g) step, plus decay.
    func testAdamWFirstStep() {
        let p = Parameter(name: "w", role: .attentionLoRA(.a), value: Tensor([2], [1, -2]), requiresGrad: true, decays: true)
        p.grad.ptr[0] = 0.5; p.grad.ptr[1] = -3
        let opt = AdamW([p], config: AdamWConfig(weightDecay: 0.1))
        opt.step(lr: 0.01)
        let expected0: Float = 0.999 - 0.01, expected1: Float = -1.998 + 0.01
        XCTAssertEqual(p.value.ptr[0], expected0, accuracy: 1e-6)
        XCTAssertEqual(p.value.ptr[1], expected1, accuracy: 1e-6)
        let r = Parameter(name: "r", role: .router, value: Tensor([1], [1]), requiresGrad: true, decays: false)
        r.grad.ptr[0] = 1
        AdamW([r], config: AdamWConfig(weightDecay: 0.1)).step(lr: 0.01)
        XCTAssertEqual(r.value.ptr[0], 0.99, accuracy: 1e-6)  // no decay on the router
    }

    func testNonFiniteLossStops() throws {
        let m = try GPT(config: Self.small, adapters: AdapterConfig(rank: 4, experts: 2), rng: RNG(seed: 5, stream: "init"))
        m.parameters.first { $0.role == .router }!.value.ptr[0] = .nan
        XCTAssertThrowsError(try Trainer.accumulate(m, micro: [Self.repeated()], lambdaLB: 0.01))
    }

    func testRNGStreamsAreIndependentAndStable() {
        var a = RNG(seed: 1, client: 0, stream: "data"), b = RNG(seed: 1, client: 1, stream: "data")
        var c = RNG(seed: 1, client: 0, stream: "data")
        let xa = (0..<4).map { _ in a.next() }, xb = (0..<4).map { _ in b.next() }, xc = (0..<4).map { _ in c.next() }
        XCTAssertEqual(xa, xc)
        XCTAssertNotEqual(xa, xb)
        XCTAssertEqual(RNG(seed: 1, client: 0, stream: "data").split("x"), RNG(seed: 1, client: 0, stream: "data").split("x"))
        var u = RNG(seed: 3, stream: "u")
        let mean = (0..<10_000).map { _ in Double(u.uniform()) }.reduce(0, +) / 10_000
        XCTAssertEqual(mean, 0.5, accuracy: 0.02)
        // Integers below a bound: every value appears, about equally often.
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[u.int(below: 7)] += 1 }
        XCTAssertTrue(counts.allSatisfy { abs($0 - 10_000) < 400 }, "\(counts)")
        let normals = (0..<20_000).map { _ in Double(u.normal()) }
        let m = normals.reduce(0, +) / 20_000, v = normals.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 20_000
        XCTAssertEqual(m, 0, accuracy: 0.03)
        XCTAssertEqual(v, 1, accuracy: 0.04)
    }
}
