/// One MLP expert: the shared frozen base MLP plus its own LoRA on `c_fc`
/// and `c_proj`, with the activations it keeps for backward.
final class Expert {
    let fc: LoRA?
    let proj: LoRA?
    var x: Tensor?, h: Tensor?, g: Tensor?, y: Tensor?

    init(_ prefix: String, index e: Int, width c: Int, builder: ParameterBuilder, flops: FlopCounter) {
        let role = { (f: LoRAFactor) in ParamRole.expertLoRA(expert: e, f) }
        let lora = builder.adapters.rank > 0
        fc = lora ? LoRA(prefix + ".c_fc", role: role, inF: c, outF: 4 * c, builder: builder, flops: flops) : nil
        proj = lora ? LoRA(prefix + ".c_proj", role: role, inF: 4 * c, outF: c, builder: builder, flops: flops) : nil
    }
}

/// The MLP as a mixture of E LoRA experts sharing one frozen base (DESIGN §3).
/// The base `c_fc` product is computed once for all tokens; each expert then
/// adds its LoRA on the rows routed to it, applies GELU and its `c_proj`, and
/// the router's weights combine the outputs. With E = 1 this is a plain
/// (LoRA) MLP and nothing is gathered or weighted.
final class MoEMLP {
    let width: Int
    let fcWeight: Parameter, fcBias: Parameter     // base c_fc [4C, C]
    let projWeight: Parameter, projBias: Parameter // base c_proj [C, 4C]
    let experts: [Expert]
    let router: Router
    let flops: FlopCounter
    private var h0: Tensor?, dh0: Tensor?, dy: Tensor?, dg: Tensor?, dh: Tensor?, dxe: Tensor?

    init(_ prefix: String, width c: Int, projStd: Float, builder: ParameterBuilder, flops: FlopCounter) {
        width = c
        self.flops = flops
        fcWeight = builder.make(prefix + ".c_fc.weight", .base, [4 * c, c], .normal(std: 0.02))
        fcBias = builder.make(prefix + ".c_fc.bias", .base, [4 * c], .zeros)
        projWeight = builder.make(prefix + ".c_proj.weight", .base, [c, 4 * c], .normal(std: projStd))
        projBias = builder.make(prefix + ".c_proj.bias", .base, [c], .zeros)
        experts = (0..<builder.adapters.experts).map {
            Expert(prefix + ".experts.\($0)", index: $0, width: c, builder: builder, flops: flops)
        }
        router = Router(prefix, width: c, builder: builder, flops: flops)
    }

    private var single: Bool { experts.count == 1 }

    func prepare(_ n: Int) {
        let c = width, f = 4 * width
        h0 = sized(h0, n * f); dh0 = sized(dh0, n * f)
        dy = sized(dy, n * c); dg = sized(dg, n * f); dh = sized(dh, n * f); dxe = sized(dxe, n * c)
        router.prepare(n)
        for ex in experts {
            ex.x = sized(ex.x, n * c); ex.h = sized(ex.h, n * f); ex.g = sized(ex.g, n * f); ex.y = sized(ex.y, n * c)
            ex.fc?.prepare(n); ex.proj?.prepare(n)
        }
    }

    /// `out = Σ_e w_e(x) · expert_e(x)`; returns the layer's load-balancing loss.
    func forward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) -> Float {
        let c = width, f = 4 * width
        let h0 = h0!.ptr
        Linear.forward(h0, x, fcWeight.ptr, fcBias.ptr, n: n, inF: c, outF: f)
        flops.gemm(n, f, c)
        let lb = router.forward(x, n: n)
        if !single { out.update(repeating: 0, count: n * c) }
        for (e, ex) in experts.enumerated() {
            let a = router.assignments[e], m = a.count
            guard m > 0 else { continue }
            let full = m == n  // every token, in order: no gather needed
            let xe: UnsafePointer<Float> = full ? x : UnsafePointer(ex.x!.ptr)
            if !full { Rows.gather(ex.x!.ptr, x, index: a.index.ptr, count: m, width: c) }
            var he = ex.h!.ptr
            if let fc = ex.fc {
                if full { he.update(from: h0, count: n * f) } else { Rows.gather(he, h0, index: a.index.ptr, count: m, width: f) }
                fc.forward(he, xe, n: m)
            } else {
                he = h0  // plain dense MLP
            }
            let ge = ex.g!.ptr
            GELU.forward(ge, he, count: m * f)
            let ye = single ? out : ex.y!.ptr
            Linear.forward(ye, ge, projWeight.ptr, projBias.ptr, n: m, inF: f, outF: c)
            flops.gemm(m, c, f)
            ex.proj?.forward(ye, ge, n: m)
            if !single { Rows.scatterAdd(out, ye, index: full ? nil : a.index.ptr, scale: a.weight!.ptr, count: m, width: c) }
        }
        return lb
    }

    /// Writes dx from dOut; `lbScale` is the weight of this layer's LB loss in the total loss.
    func backward(dx: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, n: Int,
                  lbScale: Float) {
        let c = width, f = 4 * width
        let dh0 = dh0!.ptr, dg = dg!.ptr, dxe = dxe!.ptr
        let h0 = h0!.ptr
        dx.update(repeating: 0, count: n * c)
        if !single { dh0.update(repeating: 0, count: n * f) }
        let dcw = router.dWeights
        for (e, ex) in experts.enumerated() {
            let a = router.assignments[e], m = a.count
            guard m > 0 else { continue }
            let full = m == n
            let idx = a.index.ptr, w = a.weight!.ptr
            // dy_e = w · dOut[rows]; dw = ⟨dOut[row], y_e⟩ for the router.
            let dye: UnsafePointer<Float>
            if single {
                dye = dOut
            } else {
                let d = dy!.ptr, ye = ex.y!.ptr, slot = a.slot.ptr
                for i in 0..<m {
                    let src = dOut + (full ? i : Int(idx[i])) * c, dst = d + i * c
                    dcw[Int(slot[i])] = Rows.dot(src, ye + i * c, count: c)
                    let wi = w[i]
                    for j in 0..<c { dst[j] = wi * src[j] }
                }
                dye = UnsafePointer(d)
            }
            let ge = ex.g!.ptr
            let dpw = projWeight.gradIfNeeded
            Linear.backward(dx: dg, dw: dpw, db: projBias.gradIfNeeded, dy: dye, x: ge, w: projWeight.ptr,
                            n: m, inF: f, outF: c, overwriteDx: true)
            flops.gemm(m, c, f * (dpw != nil ? 2 : 1))
            ex.proj?.backward(dx: dg, dy: dye, x: ge, n: m)
            let he = ex.fc != nil ? ex.h!.ptr : h0
            // d pre-activation goes straight into dh0 when it covers every row.
            let dhe = single ? dh0 : dh!.ptr
            GELU.backward(dhe, dg, he, count: m * f)
            if !single { Rows.scatterAdd(dh0, dhe, index: full ? nil : idx, scale: nil, count: m, width: f) }
            if let fc = ex.fc {
                let xe: UnsafePointer<Float> = full ? x : UnsafePointer(ex.x!.ptr)
                if full {
                    fc.backward(dx: dx, dy: dhe, x: xe, n: m)
                } else {
                    fc.backward(dx: dxe, dy: dhe, x: xe, n: m, overwriteDx: true)
                    Rows.scatterAdd(dx, dxe, index: idx, scale: nil, count: m, width: c)
                }
            }
        }
        let dfw = fcWeight.gradIfNeeded
        Linear.backward(dx: dx, dw: dfw, db: fcBias.gradIfNeeded, dy: dh0, x: x, w: fcWeight.ptr, n: n, inF: c, outF: f)
        flops.gemm(n, f, c * (dfw != nil ? 2 : 1))
        router.backward(dx: dx, x: x, lbScale: lbScale)
    }
}
