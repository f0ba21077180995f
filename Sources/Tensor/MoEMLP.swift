import Kernels

/// One MLP expert: the shared frozen base MLP plus its own LoRA on `c_fc`
/// and `c_proj`, with the activations it keeps for backward.
final class Expert {
    let fc: LoRA?
    let proj: LoRA?
    /// Gathered input rows, pre-activation, GELU output, and the LoRA part of c_proj's output.
    var x: Tensor?, h: Tensor?, g: Tensor?, y: Tensor?

    init(_ prefix: String, index e: Int, width c: Int, inner f: Int, builder: ParameterBuilder, flops: FlopCounter) {
        let role = { (f: LoRAFactor) in ParamRole.expertLoRA(expert: e, f) }
        let lora = builder.adapters.rank > 0
        fc = lora ? LoRA(prefix + ".c_fc", role: role, inF: c, outF: f, builder: builder, flops: flops) : nil
        proj = lora ? LoRA(prefix + ".c_proj", role: role, inF: f, outF: c, builder: builder, flops: flops) : nil
    }
}

/// The MLP (width C → F → C, F = 4C unless `GPTConfig.nInner`) as a mixture of E LoRA experts
/// sharing one frozen base (docs/design.md §3):
/// `out = Σ_e w_e · (Wp·gelu(Wf·x + bf + Lf_e(x)) + bp + Lp_e(·))`.
/// Both base products are shared: `Wf·x` is computed once for all tokens, and
/// because `Wp` is linear, `Σ_e w_e·Wp·g_e = Wp·(Σ_e w_e·g_e)` is one product
/// too, however many experts a token visits. Only the LoRA terms and GELU run
/// per expert, on the rows routed to it. With E = 1 this is a plain (LoRA) MLP.
final class MoEMLP {
    let width: Int, inner: Int
    let fcWeight: Parameter, fcBias: Parameter     // base c_fc [F, C]
    let projWeight: Parameter, projBias: Parameter // base c_proj [C, F]
    let experts: [Expert]
    let router: Router
    let flops: FlopCounter
    /// h0 = Wf·x + bf; mix = Σ_e w_e·g_e (the input of the shared c_proj); wsum = Σ_e w_e per token.
    private var h0: Tensor?, mix: Tensor?, wsum: Tensor?
    private var dh0: Tensor?, dmix: Tensor?, dOutBias: Tensor?, dg: Tensor?, dh: Tensor?, dy: Tensor?, dxe: Tensor?

    init(_ prefix: String, width c: Int, inner f: Int, projStd: Float, builder: ParameterBuilder, flops: FlopCounter) {
        width = c
        inner = f
        self.flops = flops
        fcWeight = builder.make(prefix + ".c_fc.weight", .base, [f, c], .normal(std: 0.02))
        fcBias = builder.make(prefix + ".c_fc.bias", .base, [f], .zeros)
        projWeight = builder.make(prefix + ".c_proj.weight", .base, [c, f], .normal(std: projStd))
        projBias = builder.make(prefix + ".c_proj.bias", .base, [c], .zeros)
        experts = (0..<builder.adapters.experts).map {
            Expert(prefix + ".experts.\($0)", index: $0, width: c, inner: f, builder: builder, flops: flops)
        }
        router = Router(prefix, width: c, builder: builder, flops: flops)
    }

    private var single: Bool { experts.count == 1 }

    func prepare(_ n: Int) {
        let c = width, f = inner
        h0 = sized(h0, n * f); dh0 = sized(dh0, n * f); mix = sized(mix, n * f); dmix = sized(dmix, n * f)
        wsum = sized(wsum, n); dOutBias = sized(dOutBias, n)
        dg = sized(dg, n * f); dh = sized(dh, n * f); dy = sized(dy, n * c); dxe = sized(dxe, n * c)
        router.prepare(n)
        for ex in experts {
            ex.x = sized(ex.x, n * c); ex.h = sized(ex.h, n * f); ex.g = sized(ex.g, n * f); ex.y = sized(ex.y, n * c)
            ex.fc?.prepare(n); ex.proj?.prepare(n)
        }
    }

    /// The c_proj input: the single expert's GELU output, or the weighted mix.
    private var mixPtr: UnsafeMutablePointer<Float> { single ? experts[0].g!.ptr : mix!.ptr }

    /// Writes `out`; returns the layer's load-balancing loss.
    func forward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) -> Float {
        let c = width, f = inner
        let h0 = h0!.ptr
        Linear.forward(h0, x, fcWeight.ptr, fcBias.ptr, n: n, inF: c, outF: f)
        flops.gemm(n, f, c)
        let lb = router.forward(x, n: n)
        let mix = mixPtr
        if !single { mix.update(repeating: 0, count: n * f) }
        for (e, ex) in experts.enumerated() {
            let a = router.assignments[e], m = a.count
            guard m > 0 else { continue }
            let full = m == n  // every token, in order: no gather needed
            let idx = a.index.ptr
            let xe: UnsafePointer<Float> = full ? x : UnsafePointer(ex.x!.ptr)
            if !full { Rows.gather(ex.x!.ptr, x, index: idx, count: m, width: c) }
            // Pre-activation = base product (+ this expert's LoRA), then GELU, then
            // the weighted mix; done row by row so each row stays in L1.
            var he = ex.h!.ptr
            if let fc = ex.fc { fc.forward(he, xe, n: m, accumulate: false) } else if full { he = h0 }
            let ge = ex.g!.ptr
            ck_expert_forward(he, ge, single ? nil : mix, h0, full ? nil : idx, single ? nil : a.weight!.ptr, m, f,
                              ex.fc != nil ? 1 : full ? 0 : 2)
            ex.proj?.forward(ex.y!.ptr, ge, n: m, accumulate: false)
        }
        // Shared c_proj on the mix, the bias weighted by Σ_e w_e, then each expert's LoRA part.
        Linear.forward(out, mix, projWeight.ptr, nil, n: n, inF: f, outF: c)
        flops.gemm(n, c, f)
        let ws = wsum!.ptr
        router.weightSums(ws, n: n)
        Rows.addScaled(out, ws, projBias.ptr, count: n, width: c)
        for (e, ex) in experts.enumerated() where ex.proj != nil {
            let a = router.assignments[e], m = a.count
            guard m > 0 else { continue }
            Rows.scatterAdd(out, ex.y!.ptr, index: m == n ? nil : a.index.ptr, scale: single ? nil : a.weight!.ptr,
                            count: m, width: c)
        }
        return lb
    }

    /// Writes dx from dOut; `lbScale` is the weight of this layer's LB loss in the total loss.
    func backward(dx: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, n: Int,
                  lbScale: Float) {
        let c = width, f = inner
        let dh0 = dh0!.ptr, dmix = dmix!.ptr, dxe = dxe!.ptr, h0 = h0!.ptr, bp = projBias.ptr
        let mix = mixPtr, ws = wsum!.ptr
        // Shared c_proj: dmix = dOut·Wp; dWp += dOutᵀ·mix; dbp += Σ_t wsum_t·dOut_t.
        let dpw = projWeight.gradIfNeeded
        Linear.backward(dx: dmix, dw: dpw, db: nil, dy: dOut, x: mix, w: projWeight.ptr, n: n, inF: f, outF: c,
                        overwriteDx: true)
        flops.gemm(n, c, f * (dpw != nil ? 2 : 1))
        if let db = projBias.gradIfNeeded {
            for t in 0..<n { let w = ws[t], row = dOut + t * c; for j in 0..<c { db[j] += w * row[j] } }
        }
        let dob = dOutBias!.ptr  // ⟨dOut_t, bp⟩: the bias's share of d w_e
        if !single { for t in 0..<n { dob[t] = FastMath.dot(dOut + t * c, bp, count: c) } }
        dx.update(repeating: 0, count: n * c)
        if !single { dh0.update(repeating: 0, count: n * f) }
        let dcw = router.dWeights
        for (e, ex) in experts.enumerated() {
            let a = router.assignments[e], m = a.count
            guard m > 0 else { continue }
            let full = m == n
            let idx = a.index.ptr, w = a.weight!.ptr, slot = a.slot.ptr
            let ge = ex.g!.ptr
            // d w_e = ⟨dmix, g_e⟩ + ⟨dOut, bp⟩ + ⟨dOut, Lp_e(g_e)⟩ for the router.
            if !single {
                ck_router_weight_grads(dcw, slot, dmix, ge, dob, dOut, ex.proj != nil ? UnsafePointer(ex.y!.ptr) : nil,
                                       full ? nil : idx, m, f, c)
            }
            // dg_e = w·dmix[rows] + (c_proj LoRA's input gradient, in dg).
            let dg = dg!.ptr
            if let proj = ex.proj {
                let dye: UnsafePointer<Float>
                if single {
                    dye = dOut
                } else {
                    Rows.gather(dy!.ptr, dOut, index: full ? nil : idx, scale: w, count: m, width: c)
                    dye = UnsafePointer(dy!.ptr)
                }
                proj.backward(dx: dg, dy: dye, x: ge, n: m, overwriteDx: true)
            }
            // Through GELU, row by row; the pre-activation gradient also sums into dh0.
            let he = (ex.fc == nil && full) ? h0 : ex.h!.ptr
            let dhe = single ? dh0 : dh!.ptr
            ck_expert_backward(dg, dhe, single ? nil : dh0, dmix, he, full ? nil : idx, single ? nil : w, m, f,
                               ex.proj != nil ? 1 : 0)
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
