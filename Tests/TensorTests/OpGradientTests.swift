import XCTest
@testable import Tensor

/// Every op's backward against central finite differences (loss = ⟨out, R⟩).
final class OpGradientTests: XCTestCase {
    let gc = GradCheck()

    func testLinear() {
        let n = 5, i = 7, o = 6
        let x = Tensor.random([n, i], seed: 1), w = Tensor.random([o, i], seed: 2), b = Tensor.random([o], seed: 3)
        let r = Tensor.random([n, o], seed: 4), y = Tensor([n, o])
        let loss = { Linear.forward(y.ptr, x.ptr, w.ptr, b.ptr, n: n, inF: i, outF: o); return project(y.ptr, r) }
        let dx = Tensor([n, i]), dw = Tensor([o, i]), db = Tensor([o])
        _ = loss()
        Linear.backward(dx: dx.ptr, dw: dw.ptr, db: db.ptr, dy: r.ptr, x: x.ptr, w: w.ptr, n: n, inF: i, outF: o)
        gc.check("dx", x: x.ptr, analytic: dx.ptr, indices: GradCheck.sample(x.count), loss: loss)
        gc.check("dw", x: w.ptr, analytic: dw.ptr, indices: GradCheck.sample(w.count), loss: loss)
        gc.check("db", x: b.ptr, analytic: db.ptr, indices: GradCheck.sample(b.count), loss: loss)
    }

    func testGELU() {
        let x = Tensor.random([40], std: 2, seed: 5), r = Tensor.random([40], seed: 6), y = Tensor([40]), dx = Tensor([40])
        let loss = { GELU.forward(y.ptr, x.ptr, count: 40); return project(y.ptr, r) }
        GELU.backward(dx.ptr, r.ptr, x.ptr, count: 40)
        gc.check("gelu", x: x.ptr, analytic: dx.ptr, indices: Array(0..<40), loss: loss)
    }

    func testLayerNorm() {
        let n = 4, c = 9
        let x = Tensor.random([n, c], seed: 7), g = Tensor.random([c], seed: 8), b = Tensor.random([c], seed: 9)
        let r = Tensor.random([n, c], seed: 10), y = Tensor([n, c]), mean = Tensor([n]), rstd = Tensor([n])
        let loss = {
            LayerNorm.forward(y.ptr, mean: mean.ptr, rstd: rstd.ptr, x.ptr, gain: g.ptr, bias: b.ptr, n: n, width: c)
            return project(y.ptr, r)
        }
        _ = loss()
        let dx = Tensor([n, c]), dg = Tensor([c]), db = Tensor([c])
        LayerNorm.backward(dx: dx.ptr, dgain: dg.ptr, dbias: db.ptr, dy: r.ptr, x: x.ptr, mean: mean.ptr, rstd: rstd.ptr,
                           gain: g.ptr, n: n, width: c)
        gc.check("dx", x: x.ptr, analytic: dx.ptr, indices: Array(0..<x.count), loss: loss)
        gc.check("dgain", x: g.ptr, analytic: dg.ptr, indices: Array(0..<c), loss: loss)
        gc.check("dbias", x: b.ptr, analytic: db.ptr, indices: Array(0..<c), loss: loss)
    }

    func testCausalAttention() {
        // t spans two causal row blocks (32 + 5), so the block-skipping paths are checked.
        let b = 2, t = 37, h = 2, c = 6
        let qkv = Tensor.random([b * t, 3 * c], seed: 11), r = Tensor.random([b * t, c], seed: 12)
        let out = Tensor([b * t, c]), probs = Tensor([b * h * t * t])
        let loss = {
            Attention.forward(out.ptr, probs: probs.ptr, qkv: qkv.ptr, batch: b, time: t, heads: h, width: c)
            return project(out.ptr, r)
        }
        _ = loss()
        let d = Tensor([b * t, 3 * c]), scratch = Tensor([t * t])
        Attention.backward(dqkv: d.ptr, dout: r.ptr, probs: probs.ptr, qkv: qkv.ptr, scratch: scratch.ptr,
                           batch: b, time: t, heads: h, width: c)
        gc.check("dqkv", x: qkv.ptr, analytic: d.ptr, indices: GradCheck.sample(qkv.count, 200), loss: loss)
        // Causality: the output at time 0 ignores every later token.
        let before = Array(UnsafeBufferPointer(start: out.ptr, count: c))
        qkv.ptr[3 * c + 1] += 5; qkv.ptr[3 * c + c + 2] += 5
        _ = loss()
        XCTAssertEqual(before, Array(UnsafeBufferPointer(start: out.ptr, count: c)))
    }

    func testSoftmax() {
        let z = Tensor.random([7], seed: 13), r = Tensor.random([7], seed: 14), p = Tensor([7]), dz = Tensor([7])
        let loss = { p.copy(from: z); Softmax.row(p.ptr, count: 7, valid: 7); return project(p.ptr, r) }
        _ = loss()
        Softmax.rowBackward(dz.ptr, p: p.ptr, dp: r.ptr, count: 7)
        gc.check("softmax", x: z.ptr, analytic: dz.ptr, indices: Array(0..<7), loss: loss)
        XCTAssertEqual(p.array.reduce(0, +), 1, accuracy: 1e-6)
    }

    func testEmbedding() {
        let v = 6, c = 4, b = 2, t = 3
        let wte = Tensor.random([v, c], seed: 15), wpe = Tensor.random([t, c], seed: 16)
        let tokens: [Int32] = [1, 4, 1, 0, 5, 4]
        let r = Tensor.random([b * t, c], seed: 17), x = Tensor([b * t, c])
        let loss = {
            tokens.withUnsafeBufferPointer { Embedding.forward(x.ptr, tokens: $0.baseAddress!, wte: wte.ptr, wpe: wpe.ptr, batch: b, time: t, width: c) }
            return project(x.ptr, r)
        }
        let dwte = Tensor([v, c]), dwpe = Tensor([t, c])
        tokens.withUnsafeBufferPointer {
            Embedding.backward(dwte: dwte.ptr, dwpe: dwpe.ptr, dx: r.ptr, tokens: $0.baseAddress!, batch: b, time: t, width: c)
        }
        gc.check("dwte", x: wte.ptr, analytic: dwte.ptr, indices: Array(0..<wte.count), loss: loss)
        gc.check("dwpe", x: wpe.ptr, analytic: dwpe.ptr, indices: Array(0..<wpe.count), loss: loss)
    }

    func testCrossEntropy() {
        let n = 4, v = 7
        let z = Tensor.random([n, v], std: 2, seed: 18), work = Tensor([n, v])
        let targets: [Int32] = [0, 6, 3, 3]
        let loss = {
            work.copy(from: z)
            return targets.withUnsafeBufferPointer { CrossEntropy.forward(work.ptr, targets: $0.baseAddress!, n: n, vocab: v) } / Double(n)
        }
        let l = loss()
        targets.withUnsafeBufferPointer { CrossEntropy.backward(work.ptr, targets: $0.baseAddress!, n: n, vocab: v, scale: 1 / Float(n)) }
        let dz = work.clone()
        gc.check("dlogits", x: z.ptr, analytic: dz.ptr, indices: Array(0..<z.count), loss: loss)
        // Exact value against a direct Double computation.
        var ref = 0.0
        for i in 0..<n {
            let row = (0..<v).map { Double(z.ptr[i * v + $0]) }
            let m = row.max()!
            ref += -(row[Int(targets[i])] - m - log(row.map { exp($0 - m) }.reduce(0, +)))
        }
        XCTAssertEqual(l, ref / Double(n), accuracy: 1e-6)
    }

    func testGatherScatterAndResidual() {
        let src = Tensor.random([5, 3], seed: 19), dst = Tensor([3, 3])
        let idx: [Int32] = [4, 0, 2]
        idx.withUnsafeBufferPointer { Rows.gather(dst.ptr, src.ptr, index: $0.baseAddress!, count: 3, width: 3) }
        XCTAssertEqual(Array(dst.array[0..<3]), Array(src.array[12..<15]))
        // Scatter-add is gather's adjoint: ⟨gather(x), y⟩ = ⟨x, scatter(y)⟩.
        let y = Tensor.random([3, 3], seed: 20), back = Tensor([5, 3])
        idx.withUnsafeBufferPointer { Rows.scatterAdd(back.ptr, y.ptr, index: $0.baseAddress!, scale: nil, count: 3, width: 3) }
        XCTAssertEqual(project(dst.ptr, y), project(back.ptr, src), accuracy: 1e-5)
        let w: [Float] = [2, -1, 0.5]
        let back2 = Tensor([5, 3])
        idx.withUnsafeBufferPointer { i in w.withUnsafeBufferPointer {
            Rows.scatterAdd(back2.ptr, y.ptr, index: i.baseAddress!, scale: $0.baseAddress!, count: 3, width: 3) } }
        XCTAssertEqual(back2.ptr[12], 2 * y.ptr[0])
        XCTAssertEqual(back2.ptr[0], -y.ptr[3])
        let sum = Tensor([3, 3])
        Rows.residual(sum.ptr, dst.ptr, y.ptr, count: 9)
        XCTAssertEqual(sum.ptr[4], dst.ptr[4] + y.ptr[4])
    }

    func testTopKOrderAndTies() {
        let v: [Float] = [0.5, 2, 2, -1]
        var out = [Int32](repeating: -1, count: 3)
        v.withUnsafeBufferPointer { p in out.withUnsafeMutableBufferPointer { TopK.select(p.baseAddress!, count: 4, k: 3, into: $0.baseAddress!) } }
        XCTAssertEqual(out, [1, 2, 0])
    }

    func testLoRA() {
        let n = 4, i = 5, o = 3
        let ad = AdapterConfig(rank: 2)
        let builder = ParameterBuilder(adapters: ad, rng: RNG(seed: 3, stream: "t"))
        let lora = LoRA("l", role: { .attentionLoRA($0) }, inF: i, outF: o, builder: builder, flops: FlopCounter())
        var r0 = RNG(seed: 4, stream: "b")
        lora.b.value.fillNormal(std: 0.5, rng: &r0)
        lora.prepare(n)
        let x = Tensor.random([n, i], seed: 21), r = Tensor.random([n, o], seed: 22), y = Tensor([n, o])
        let loss = { y.zero(); lora.forward(y.ptr, x.ptr, n: n); return project(y.ptr, r) }
        _ = loss()
        let dx = Tensor([n, i])
        lora.a.grad.zero(); lora.b.grad.zero()
        lora.backward(dx: dx.ptr, dy: r.ptr, x: x.ptr, n: n)
        gc.check("dx", x: x.ptr, analytic: dx.ptr, indices: Array(0..<x.count), loss: loss)
        gc.check("dA", x: lora.a.ptr, analytic: lora.a.grad.ptr, indices: Array(0..<lora.a.value.count), loss: loss)
        gc.check("dB", x: lora.b.ptr, analytic: lora.b.grad.ptr, indices: Array(0..<lora.b.value.count), loss: loss)
    }
}
