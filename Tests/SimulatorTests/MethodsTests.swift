import XCTest
@testable import Simulator
@testable import Tensor

/// Baselines' rules on tiny models.
final class MethodsTests: XCTestCase {
    func federation(_ s: any CollaborationStrategy) throws -> Federation { try Self.federation(s) }

    static func federation(_ s: any CollaborationStrategy, server: ServerMode = .synchronous) throws -> Federation {
        let base = try GPT(config: FederationTests.config, adapters: .dense, rng: RNG(seed: 1, stream: "base"))
        var t = TrainingConfig(totalSteps: 10)
        t.batch = 4
        t.microBatch = 2
        t.time = 16
        return try Federation(base: base, data: FederationTests.data(4), strategy: s, training: t, seed: 5, workers: 2, server: server)
    }

    func everyoneArrives(_ fed: Federation) -> RoundOutcome {
        let arrived = (0..<fed.count).map { Participation(client: $0, steps: 2, slowdown: 1, start: 0, arrival: 1, version: 0, weight: 0.25) }
        return RoundOutcome(round: 0, start: 0, end: 1, selected: Array(0..<fed.count), arrived: arrived, failed: [], dropped: [])
    }

    /// FFA-LoRA: every A is the same on all clients and never changes; only B trains and travels.
    func testFFALoRAFreezesASharedAcrossClients() throws {
        let fed = try federation(FFALoRA(rank: 4))
        func aMatrices(_ i: Int) -> [Parameter] {
            fed.parameters(i).filter { if case .attentionLoRA(.a) = $0.role { true } else if case .expertLoRA(_, .a) = $0.role { true } else { false } }
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

    /// FedSA-LoRA: both factors train; after a round every client holds the uniform mean of
    /// the trained A matrices and its own trained B; only A's bytes travel.
    func testFedSALoRAAveragesAKeepsBLocal() throws {
        let fed = try federation(FedSALoRA(rank: 4))
        func factor(_ i: Int, _ f: LoRAFactor) -> [Parameter] { fed.parameters(i).filter { $0.role.isLoRA && $0.role.loraFactor == f } }
        XCTAssertTrue(fed.clients[0].shared.allSatisfy { $0.role.loraFactor == .a })
        XCTAssertEqual(fed.clients[0].shared.count, factor(0, .a).count)
        for i in 1..<4 { XCTAssertTrue(zip(factor(i, .a), factor(0, .a)).allSatisfy { $0.value.bitEqual($1.value) }, "A starts in common") }
        _ = fed.train((0..<4).map { (client: $0, steps: 3) }, round: 0)
        let trainedA = (0..<4).map { i in factor(i, .a).map { $0.value.clone() } }
        let trainedB = (0..<4).map { i in factor(i, .b).map { $0.value.clone() } }
        XCTAssertFalse(zip(trainedB[0], trainedB[1]).allSatisfy { $0.bitEqual($1) }, "clients' B differ after training")
        fed.aggregate(everyoneArrives(fed))
        for (k, p) in factor(0, .a).enumerated() {
            for e in 0..<p.value.count {
                let mean = (0..<4).reduce(Float(0)) { $0 + 0.25 * trainedA[$1][k].ptr[e] }
                XCTAssertEqual(p.value.ptr[e], mean, accuracy: 1e-6)
            }
        }
        for i in 0..<4 {
            XCTAssertTrue(zip(factor(i, .a), factor(0, .a)).allSatisfy { $0.value.bitEqual($1.value) }, "client \(i) holds the global A")
            XCTAssertTrue(zip(factor(i, .b), trainedB[i]).allSatisfy { $0.value.bitEqual($1) }, "client \(i) keeps its own B")
        }
        let bBytes = 4 * factor(0, .b).reduce(0) { $0 + $1.value.count }
        XCTAssertEqual(fed.sharedBytes(0) + bBytes, try federation(FedAvg(rank: 4)).sharedBytes(0))
    }
}

extension Federation {
    /// The initial shared values the server sends (for comparisons in tests).
    func server(_ s: any CollaborationStrategy) -> [Tensor] {
        let m = try! GPT(config: FederationTests.config, adapters: s.adapters(client: 0), rng: RNG(seed: 5, stream: "global"))
        return m.parameters.filter { s.shares($0.role) }.map(\.value)
    }
}

extension MethodsTests {
    /// SVD against a matrix built from known factors: M = U·diag(5, 3, 1)·Vᵀ with U, V
    /// a signed permutation and a plane rotation.
    func testSVDRecoversKnownSingularValues() {
        let c = Float(0.6), s = Float(0.8)
        let u: [[Float]] = [[0, 1, 0], [0, 0, -1], [1, 0, 0], [0, 0, 0]]     // 4 × 3, orthonormal columns
        let v: [[Float]] = [[c, -s, 0], [s, c, 0], [0, 0, 1]]               // 3 × 3 rotation
        let sv: [Float] = [5, 3, 1]
        var m = [Float](repeating: 0, count: 12)
        for i in 0..<4 { for j in 0..<3 { for k in 0..<3 { m[i * 3 + j] += u[i][k] * sv[k] * v[j][k] } } }
        let d = m.withUnsafeBufferPointer { SVD($0.baseAddress!, rows: 4, cols: 3) }
        for k in 0..<3 { XCTAssertEqual(d.s[k], sv[k], accuracy: 1e-5) }
        // Reconstruction.
        for i in 0..<4 { for j in 0..<3 {
            var x: Float = 0
            for k in 0..<3 { x += d.u[i * 3 + k] * d.s[k] * d.vt[k * 3 + j] }
            XCTAssertEqual(x, m[i * 3 + j], accuracy: 1e-5)
        } }
    }

    /// FlexLoRA with MLP ranks 2 and 4: the server's product is the size-weighted mean of
    /// s_i·B_i·A_i, and each client gets the best rank-r_i approximation of it
    /// (Frobenius error = √(Σ of the dropped σ²)); the two ranks interoperate. The attention
    /// LoRA has rank 8 everywhere and is averaged uniformly; every client starts from the
    /// server's A.
    func testFlexLoRAServesEachRankTheBestApproximation() throws {
        let fed = try federation(FlexLoRA(ranks: [2, 4, 4, 2]))
        XCTAssertEqual((0..<4).map { fed.adapters($0).rank }, [2, 4, 4, 2])
        let attention = { (i: Int) in fed.clients[i].shared.filter { $0.role == .attentionLoRA(.a) } }
        XCTAssertTrue((0..<4).allSatisfy { attention($0).allSatisfy { $0.value.shape[0] == 8 } })
        let a0 = mlpLoRAPairs(fed.clients[0].shared)[0].a.value, a1 = mlpLoRAPairs(fed.clients[1].shared)[0].a.value
        XCTAssertEqual(Array(a0.buffer), Array(a1.buffer.prefix(a0.count)), "the rank-2 client starts from the server's first rows")
        var rng = RNG(seed: 3, stream: "B")
        for i in 0..<4 { for p in fed.clients[i].shared where FFALoRA.isB(p.role) { p.value.fillNormal(std: 0.3, rng: &rng) } }
        for i in 0..<4 { for p in attention(i) { p.value.fillNormal(std: 0.3, rng: &rng) } }
        let attentionMean = (0..<attention(0).count).map { k in
            (0..<attention(0)[k].value.count).map { j in (0..<4).reduce(Float(0)) { $0 + 0.25 * attention($1)[k].value.ptr[j] } }
        }
        // Expected ΔW of the first MLP location (layer 0 c_fc), weights ∝ training tokens.
        let sizes = (0..<4).map { Double(fed.clients[$0].data.count(.train)) }, total = sizes.reduce(0, +)
        let (outF, inF) = (128, 32)
        var dW = [Float](repeating: 0, count: outF * inF)
        for i in 0..<4 {
            let (a, b) = mlpLoRAPairs(fed.clients[i].shared)[0], r = a.value.shape[0]
            let s = fed.adapters(i).scale * Float(sizes[i] / total)
            for o in 0..<outF { for n in 0..<inF { for k in 0..<r { dW[o * inF + n] += s * b.value.ptr[o * r + k] * a.value.ptr[k * inF + n] } } }
        }
        let svd = dW.withUnsafeBufferPointer { SVD($0.baseAddress!, rows: outF, cols: inF) }
        fed.aggregate(everyoneArrives(fed))
        for i in 0..<4 {
            let (a, b) = mlpLoRAPairs(fed.clients[i].shared)[0], r = a.value.shape[0], s = fed.adapters(i).scale
            var err: Double = 0
            for o in 0..<outF { for n in 0..<inF {
                var x: Float = 0
                for k in 0..<r { x += s * b.value.ptr[o * r + k] * a.value.ptr[k * inF + n] }
                err += Double((x - dW[o * inF + n]) * (x - dW[o * inF + n]))
            } }
            let tail = svd.s[r...].reduce(0) { $0 + Double($1 * $1) }
            XCTAssertEqual(err.squareRoot(), tail.squareRoot(), accuracy: 1e-4 * Double(svd.s[0]) + 1e-5, "client \(i), rank \(r)")
            for (p, m) in zip(attention(i), attentionMean) {
                for j in [0, 5, p.value.count - 1] { XCTAssertEqual(p.value.ptr[j], m[j], accuracy: 1e-6) }
            }
        }
    }
}

extension MethodsTests {
    func testPCLScheduleAndTrustWeights() throws {
        XCTAssertEqual((0..<20).filter { PCL.mixes(round: $0) }, [4, 6, 8, 10, 12, 14, 16, 18], "epoch > 3 and epoch % 2 == 0")
        let fed = try federation(PCL(rank: 4, windows: 4))
        _ = fed.train((0..<4).map { (client: $0, steps: 3) }, round: 0)
        let before = (0..<4).map { i in fed.clients[i].shared.map { $0.value.clone() } }
        // Round 0: no mixing.
        fed.aggregate(everyoneArrives(fed))
        XCTAssertTrue((0..<4).allSatisfy { i in zip(fed.clients[i].shared, before[i]).allSatisfy { $0.value.bitEqual($1) } })
        // Trust weights by hand: softmax over j of −ppl(model j on the same 4 random windows of
        // client i's validation split), each window's CE summed on its own.
        let ppl = (0..<4).map { i in (0..<4).map { j -> Double in
            var rng = RNG(seed: 4, client: i, stream: "pcl-trust")
            let windows = (0..<4).map { _ in fed.clients[i].data.batch(.valid, batch: 1, time: 32, rng: &rng) }
            let ce = windows.reduce(0.0) { sum, w in
                sum + w.inputs.withUnsafeBufferPointer { x in w.targets.withUnsafeBufferPointer { y in fed.models.with(j) { m in m.forward(inputs: x, targets: y, batch: 1, time: 32).ceSum } } }
            }
            return exp(ce / Double(4 * 32))
        } }
        var outcome = everyoneArrives(fed)
        outcome.round = 4
        fed.aggregate(outcome)
        for i in 0..<4 {
            let z = ppl[i].map { exp(-$0) }.reduce(0, +)
            let w = ppl[i].map { exp(-$0) / z }
            XCTAssertEqual(w.reduce(0, +), 1, accuracy: 1e-12)
            for k in before[i].indices {
                let expected = Tensor(before[i][k].shape)
                for j in 0..<4 { expected.add(before[j][k], scale: Float(w[j])) }
                for x in 0..<expected.count {
                    XCTAssertEqual(fed.clients[i].shared[k].value.ptr[x], expected.ptr[x], accuracy: 1e-5)
                }
            }
        }
        XCTAssertFalse(zip(fed.clients[0].shared, fed.clients[1].shared).allSatisfy { $0.value.bitEqual($1.value) },
                       "mixtures are personal")
    }
}

extension MethodsTests {
    func testCentralizedTrainsOneModelOnPooledDataWithBatch256() throws {
        let data = FederationTests.data(4), pooled = ClientData.pooled(data)
        XCTAssertEqual(pooled.tokens[.train], data.flatMap { $0.tokens[.train]! })
        XCTAssertEqual(pooled.count(.test), data.reduce(0) { $0 + $1.count(.test) })
        let base = try GPT(config: FederationTests.config, adapters: .dense, rng: RNG(seed: 1, stream: "base"))
        var t = TrainingConfig(totalSteps: 2)
        t.microBatch = 32
        t.time = 16
        let fed = try Federation(base: base, data: [pooled], strategy: Centralized(rank: 4), training: t, seed: 5, workers: 1)
        XCTAssertEqual(fed.training.batch, 256)
        XCTAssertEqual(fed.sharedBytes(0), 0)
        _ = fed.train([(client: 0, steps: 1)], round: 0)
        XCTAssertEqual(fed.clients[0].batchesDrawn, [.train: 8], "256 sequences in micro-batches of 32")
    }
}

extension MethodsTests {
    func testHetLoRARegulariserGradient() throws {
        let het = HetLoRA(ranks: [4], lambda: 0.5, gamma: 0.7)  // tail = ⌈0.3·4⌉ = 2 slots
        XCTAssertEqual(HetLoRA.tail(4, gamma: 0.7), 2)
        XCTAssertEqual(HetLoRA.tail(16, gamma: 0.99), 1)
        var ad = AdapterConfig(rank: 4)
        ad.attentionRank = 8
        let m = try GPT(config: FederationTests.config, adapters: ad, rng: RNG(seed: 2, stream: "m"))
        var r = RNG(seed: 3, stream: "B")
        for p in m.parameters where p.role.loraFactor == .b { p.value.fillNormal(std: 0.3, rng: &r) }
        m.zeroGrad()
        let pairs = mlpLoRAPairs(m.parameters)
        XCTAssertEqual(pairs.count, 4, "c_fc and c_proj of 2 layers")
        // Location 1 uses 3 slots (pruned once): its tail is slots 1..<3.
        let ranks = [4, 3, 4, 4]
        het.regularize(m, ranks: ranks)
        let value = { () -> Double in
            Double(het.lambda) * zip(pairs, ranks).reduce(0.0) { $0 + Double(HetLoRA.tailProduct($1.0.a.value, $1.0.b.value, rank: $1.1, gamma: 0.7)) }
        }
        for (l, slots) in [(0, [2, 3]), (1, [1, 2])] {
            let (a, b) = pairs[l], n = a.value.shape[1]
            for (p, i) in [(a, slots[0] * n + 5), (a, slots[1] * n + 1), (b, 7 * 4 + slots[1]), (b, 0 * 4 + slots[0])] {
                let old = p.value.ptr[i], h: Float = 1e-2
                p.value.ptr[i] = old + h
                let up = value()
                p.value.ptr[i] = old - h
                let down = value()
                p.value.ptr[i] = old
                XCTAssertEqual(p.grad.ptr[i], Float((up - down) / Double(2 * h)), accuracy: 3e-3 * abs(p.grad.ptr[i]) + 1e-5)
            }
            XCTAssertEqual(a.grad.ptr[0], 0, "slots outside the tail get no regulariser gradient")
        }
        XCTAssertTrue(m.parameters.filter { $0.role == .attentionLoRA(.a) }.allSatisfy { p in (0..<p.value.count).allSatisfy { p.grad.ptr[$0] == 0 } },
                      "the attention LoRA is outside the regulariser")
    }

    /// Zero-padding, per-matrix norm weights (‖A_i‖/Σ‖A‖ for A, likewise for B), truncation to
    /// each rank, a uniform mean of the rank-8 attention LoRA, and self-pruning per MLP location
    /// exactly when that location's tail norm product falls below the server's.
    func testHetLoRAAggregationAndSelfPruning() throws {
        let fed = try federation(HetLoRA(ranks: [2, 4, 4, 2]))
        let locations = mlpLoRAPairs(fed.clients[0].shared).count
        var r = RNG(seed: 4, stream: "B")
        for i in 0..<4 { for p in fed.clients[i].shared where p.role.loraFactor == .b || p.role.expert == nil { p.value.fillNormal(std: 0.2, rng: &r) } }
        let pair = { (i: Int) in mlpLoRAPairs(fed.clients[i].shared)[0] }
        let ranks = [2, 4, 4, 2]
        func frob(_ t: Tensor, rows: Int? = nil, cols: Int? = nil) -> Double {
            var s = 0.0
            for row in 0..<(rows ?? t.shape[0]) { for c in 0..<(cols ?? t.shape[1]) { s += Double(t.ptr[row * t.shape[1] + c] * t.ptr[row * t.shape[1] + c]) } }
            return s.squareRoot()
        }
        let normsA = (0..<4).map { frob(pair($0).a.value, rows: ranks[$0]) }, normsB = (0..<4).map { frob(pair($0).b.value, cols: ranks[$0]) }
        let beforeA = (0..<4).map { pair($0).a.value.clone() }, beforeB = (0..<4).map { pair($0).b.value.clone() }
        let attention = { (i: Int) in fed.clients[i].shared.first { $0.role == .attentionLoRA(.b) }!.value }
        let attentionMean = (0..<attention(0).count).map { j in (0..<4).reduce(Float(0)) { $0 + 0.25 * attention($1).ptr[j] } }
        fed.aggregate(everyoneArrives(fed))
        let inF = 32, outF = 128
        for row in 0..<4 { for col in [0, 7, 31] {
            var expected: Float = 0
            for i in 0..<4 where row < ranks[i] { expected += Float(normsA[i] / normsA.reduce(0, +)) * beforeA[i].ptr[row * inF + col] }
            XCTAssertEqual(pair(1).a.value.ptr[row * inF + col], expected, accuracy: 1e-6)
            if row < 2 { XCTAssertEqual(pair(0).a.value.ptr[row * inF + col], expected, accuracy: 1e-6) }
        } }
        for o in [0, 77, outF - 1] { for slot in 0..<4 {
            var expected: Float = 0
            for i in 0..<4 where slot < ranks[i] { expected += Float(normsB[i] / normsB.reduce(0, +)) * beforeB[i].ptr[o * ranks[i] + slot] }
            XCTAssertEqual(pair(2).b.value.ptr[o * 4 + slot], expected, accuracy: 1e-6)
        } }
        for i in 0..<4 { for j in [0, 9, attentionMean.count - 1] { XCTAssertEqual(attention(i).ptr[j], attentionMean[j], accuracy: 1e-6) } }
        XCTAssertEqual(fed.clients[1].rank.ranks, Array(repeating: 4, count: locations), "no pruning without a previous global")
        // Shrink client 1's tail slot (3) far below the server's at location 0 only: that location
        // prunes to rank 3, its others and client 2, whose tail equals the server's, do not.
        let (a1, b1) = pair(1)
        for i in 0..<inF { a1.value.ptr[3 * inF + i] *= 1e-3 }
        for row in 0..<outF { b1.value.ptr[row * 4 + 3] *= 1e-3 }
        fed.aggregate(everyoneArrives(fed))
        XCTAssertEqual(fed.clients[1].rank.ranks, [3] + Array(repeating: 4, count: locations - 1))
        XCTAssertEqual(fed.clients[2].rank.ranks, Array(repeating: 4, count: locations))
        XCTAssertTrue((0..<inF).allSatisfy { pair(1).a.value.ptr[3 * inF + $0] == 0 }, "pruned slot is zero")
        XCTAssertFalse((0..<inF).allSatisfy { pair(2).a.value.ptr[3 * inF + $0] == 0 })
        XCTAssertFalse((0..<inF).allSatisfy { mlpLoRAPairs(fed.clients[1].shared)[1].a.value.ptr[3 * inF + $0] == 0 }, "other locations keep slot 3")
        // Training keeps the pruned slot at zero.
        _ = fed.train([(client: 1, steps: 2)], round: 2)
        XCTAssertTrue((0..<inF).allSatisfy { pair(1).a.value.ptr[3 * inF + $0] == 0 })
    }
}

extension MethodsTests {
    /// pFedMoE shares expert 0 and the attention LoRA; its router trains jointly on the training split.
    func testPFedMoESharesTheFirstExpertAndTrainsTheRouterJointly() throws {
        let fed = try federation(PFedMoE(rank: 4))
        XCTAssertEqual(fed.adapters(0).experts, 2)
        XCTAssertTrue(fed.clients[0].shared.allSatisfy { $0.role.expert.map { $0 == 0 } ?? true })
        XCTAssertTrue(fed.clients[0].shared.contains { $0.role == .attentionLoRA(.a) })
        XCTAssertNil(PFedMoE().routerSchedule)
        _ = fed.train([(client: 0, steps: 2)], round: 0)
        XCTAssertEqual(fed.clients[0].batchesDrawn, [.train: 4], "no validation batches")
    }
}

extension MethodsTests {
    /// The compass search of FDLoRA's fusion: 10 evaluations in a fixed order, from (0, 0),
    /// inside [−1, 1]² (points clamped to the box are not evaluated twice), keeping the best.
    func testFDLoRAFusionSearchIsDeterministicAndBounded() {
        var calls: [(Double, Double)] = []
        let best = FDLoRA.fusionWeights(budget: 10) { w in
            calls.append(w)
            return (w.0 - 0.75) * (w.0 - 0.75) + (w.1 - 0.25) * (w.1 - 0.25)
        }
        let expected: [(Double, Double)] = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1),   // step 1 around (0, 0)
                                            (0.5, 0), (1, 0.5), (1, -0.5),             // step ½ around (1, 0); (1.5, 0) is clamped to (1, 0)
                                            (0.75, 0), (1, 0.25)]                      // step ¼: the budget ends
        XCTAssertEqual(calls.count, expected.count)
        for (c, e) in zip(calls, expected) { XCTAssertTrue(c == e, "\(c) ≠ \(e)") }
        XCTAssertEqual(best.w.0, 0.75)
        XCTAssertEqual(best.w.1, 0)
        XCTAssertEqual(best.value, 0.0625)
        XCTAssertEqual(FDLoRA.penalty((1, -0.5)), 0.05 * 0.75, accuracy: 1e-12)
    }

    /// FDLoRA: FedAvg in every round but the last; after the last, each client holds
    /// w₀·personal + w₁·global in its MLP LoRA (one pair of weights for all of them, the
    /// search's best on its validation windows) and its own attention LoRA.
    func testFDLoRAFusesPersonalAndGlobalAfterTheLastRound() throws {
        let fed = try federation(FDLoRA(rank: 4, rounds: 2, windows: 4))
        _ = fed.train((0..<4).map { (client: $0, steps: 2) }, round: 0)
        fed.aggregate(everyoneArrives(fed))
        let afterFirst = fed.clients.map { $0.shared.map { $0.value.clone() } }
        for i in 1..<4 { XCTAssertTrue(zip(afterFirst[i], afterFirst[0]).allSatisfy { $0.bitEqual($1) }, "round 0 is FedAvg") }
        _ = fed.train((0..<4).map { (client: $0, steps: 2) }, round: 1)
        let personal = fed.clients.map { $0.shared.map { $0.value.clone() } }
        var last = everyoneArrives(fed)
        last.round = 1
        let global = personal[0].indices.map { k in
            let t = Tensor(personal[0][k].shape)
            for i in 0..<4 { t.add(personal[i][k], scale: 0.25) }
            return t
        }
        fed.aggregate(last)
        for i in 0..<4 {
            let shared = fed.clients[i].shared
            let mlp = shared.indices.filter { shared[$0].role.expert != nil }
            XCTAssertFalse(mlp.isEmpty)
            for k in shared.indices where !mlp.contains(k) {
                XCTAssertTrue(shared[k].value.bitEqual(personal[i][k]), "client \(i) keeps its attention LoRA")
            }
            // Recover (w₀, w₁) from one element and check every MLP element against it.
            let k0 = mlp.first { k in (0..<shared[k].value.count).contains { personal[i][k].ptr[$0] != global[k].ptr[$0] } }!
            let e = (0..<shared[k0].value.count).first { personal[i][k0].ptr[$0] != global[k0].ptr[$0] }!
            var found: (Double, Double)?
            for a in stride(from: -1.0, through: 1.0, by: 0.0625) { for b in stride(from: -1.0, through: 1.0, by: 0.0625) {
                let x = Float(a) * personal[i][k0].ptr[e] + Float(b) * global[k0].ptr[e]
                if found == nil, abs(x - shared[k0].value.ptr[e]) < 1e-7, mlp.allSatisfy({ k in
                    (0..<shared[k].value.count).allSatisfy { j in
                        abs(shared[k].value.ptr[j] - (Float(a) * personal[i][k].ptr[j] + Float(b) * global[k].ptr[j])) <= 1e-6 }
                }) { found = (a, b) }
            } }
            XCTAssertNotNil(found, "client \(i): the MLP LoRA is one combination of personal and global")
        }
    }
}
