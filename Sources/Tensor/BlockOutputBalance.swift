/// The load-balancing loss as the original code computes it (`gating.py`
/// `MoE.get_load_balancing_loss`, called by `GPT.forward` with each block's
/// output): the layer's router is applied once more, to the residual stream
/// `y` after the block instead of the MLP input it routed, and for k > 1 the
/// proxy is a softmax over all E entries of the top-k logits zero-filled
/// elsewhere (the unchosen experts keep exp(0), not 0). Per token t with
/// `z = R y_t` and chosen experts `c = topk(z)` (top-1 of softmax(z) for k = 1):
///
///     s_t = softmax(z with z_e := 0 for e ∉ c)      (k > 1)
///     s_t = softmax(z)_c at c, 0 elsewhere          (k = 1)
///     f_e = #{(t, slot) choosing e} / (n·k),  p_e = mean_t s_{t,e}
///     LB  = E² · mean_e(p_e f_e c_e)                 (c_e: `Router.importance`)
///
/// Gradients reach R and y through p only (f counts decisions). At E = k = 2
/// with generalist importance 0.5 (every runscript of the paper's tables)
/// LB = Σ_e s_e = 1 for every input, so the term has no gradient there; it
/// matters for k < E or unequal importances. Used under `compat: "reference"`
/// (`AdapterConfig.loadBalance`); the router's own term is then off.
final class BlockOutputBalance {
    let router: Router
    /// z = R y, the proxy s, and for k = 1 the full softmax(z) that s keeps one entry of.
    private var logits: Tensor?, select: Tensor?, probs: Tensor?, dLogits: Tensor?
    private(set) var choice = IntBuffer(1)
    private var fraction: [Float]
    private var n = 0

    init(router: Router) {
        self.router = router
        fraction = Array(repeating: 0, count: router.experts)
    }

    func prepare(_ n: Int) {
        let E = router.experts
        logits = sized(logits, n * E); select = sized(select, n * E); probs = sized(probs, n * E); dLogits = sized(dLogits, n * E)
        choice.ensure(n * router.k)
    }

    /// The layer's LB for the block output y [n × C].
    func forward(_ y: UnsafePointer<Float>, n: Int) -> Float {
        self.n = n
        let E = router.experts, k = router.k, C = router.width
        let z = logits!.ptr, s = select!.ptr, q = probs!.ptr, ch = choice.ptr
        MatMul.gemm(transB: true, m: n, n: E, k: C, y, lda: C, router.weight!.ptr, ldb: C, z, ldc: E)
        router.flops.gemm(n, E, C)
        var counts = [Int](repeating: 0, count: E)
        for t in 0..<n {
            let zt = z + t * E, st = s + t * E, qt = q + t * E, c = ch + t * k
            if k == 1 {
                qt.update(from: zt, count: E)
                Softmax.row(qt, count: E, valid: E)
                TopK.select(qt, count: E, k: 1, into: c)
                let chosen = Int(c[0])
                st.update(repeating: 0, count: E)
                st[chosen] = qt[chosen]
            } else {
                TopK.select(zt, count: E, k: k, into: c)
                st.update(repeating: 0, count: E)
                for j in 0..<k { st[Int(c[j])] = zt[Int(c[j])] }
                Softmax.row(st, count: E, valid: E)
            }
            for j in 0..<k { counts[Int(c[j])] += 1 }
        }
        var meanProxy = [Float](repeating: 0, count: E)
        for e in 0..<E {
            var p: Float = 0
            for t in 0..<n { p += s[t * E + e] }
            meanProxy[e] = p / Float(n)
            fraction[e] = Float(counts[e]) / Float(n * k)
        }
        return router.balanceLoss(meanProb: meanProxy, fraction: fraction)
    }

    /// Adds `lbScale · dLB/dy` to dy and `lbScale · dLB/dR` to the router's gradient.
    func backward(dy: UnsafeMutablePointer<Float>, y: UnsafePointer<Float>, lbScale: Float) {
        let E = router.experts, k = router.k, C = router.width
        let s = select!.ptr, q = probs!.ptr, dz = dLogits!.ptr, ch = choice.ptr
        let ds = router.balanceGradient(fraction: fraction, lbScale: lbScale, n: n)
        for t in 0..<n {
            let st = s + t * E, qt = q + t * E, dzt = dz + t * E, c = ch + t * k
            dzt.update(repeating: 0, count: E)
            if k == 1 {
                // s = softmax(z)_c at c: dz = q ⊙ (ds_c·1_c − q_c·ds_c), q = softmax(z).
                let chosen = Int(c[0])
                for e in 0..<E { dzt[e] = qt[e] * ((e == chosen ? ds[e] : 0) - qt[chosen] * ds[chosen]) }
            } else {
                // s = softmax(w), w_e = z_e on the chosen experts and 0 elsewhere: dz_e = dw_e on c only.
                var dot: Float = 0
                for e in 0..<E { dot += st[e] * ds[e] }
                for j in 0..<k { let e = Int(c[j]); dzt[e] = st[e] * (ds[e] - dot) }
            }
        }
        let weight = router.weight!
        if let dr = weight.gradIfNeeded {
            MatMul.gemm(transA: true, m: E, n: C, k: n, dz, lda: E, y, ldb: C, beta: 1, dr, ldc: C)
            router.flops.gemm(E, C, n)
        }
        MatMul.gemm(m: n, n: C, k: E, dz, lda: E, weight.ptr, ldb: C, beta: 1, dy, ldc: C)
        router.flops.gemm(n, C, E)
    }
}
