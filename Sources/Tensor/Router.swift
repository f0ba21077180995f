/// The tokens one expert processes: their row indices (in token order), the
/// routing weight of each, and which (token, slot) pair it came from.
struct ExpertAssignment {
    var count = 0
    let index = IntBuffer(1)
    let slot = IntBuffer(1)
    var weight: Tensor?

    mutating func prepare(_ n: Int) {
        index.ensure(n)
        slot.ensure(n)
        weight = sized(weight, n)
    }
}

/// Per-token router of one MoE layer (docs/design.md §3): `logits = R x` (R: E × C,
/// no bias), top-k with k = min(2, E). For k = 1 the weight is the full
/// softmax probability of the chosen expert; for k > 1 the softmax is taken
/// over the k chosen logits only. Also computes the load-balancing loss
/// `E² · mean_e(p_e f_e c_e)` from the decision actually made.
final class Router {
    let experts: Int, width: Int, k: Int
    let mode: RouterMode
    let weight: Parameter?  // R [E, C]; nil without a learned router
    /// Generalist-importance weights c_e.
    let importance: [Float]
    /// The loss balances this decision (false: `BlockOutputBalance` re-routes the block output).
    let balancesInput: Bool
    let flops: FlopCounter

    private(set) var n = 0
    private(set) var logits: Tensor?, probs: Tensor?
    /// Chosen experts and their weights, [n × k].
    private(set) var choice = IntBuffer(1)
    private(set) var choiceWeight: Tensor?
    /// dLoss/d(choice weight), filled by the MoE backward.
    private(set) var dChoiceWeight: Tensor?
    private var dLogits: Tensor?
    var assignments: [ExpertAssignment]
    /// f_e and p_e of the last forward.
    private(set) var fraction: [Float], meanProb: [Float]

    init(_ prefix: String, width: Int, builder: ParameterBuilder, flops: FlopCounter) {
        let ad = builder.adapters
        experts = ad.experts
        self.width = width
        mode = ad.router
        k = ad.hasRouter ? ad.k : experts
        self.flops = flops
        weight = ad.hasRouter
            // N(0, 0.02) as every nn.Linear of the original (`GPT._init_weights`).
            ? builder.make(prefix + ".router.weight", .router, [experts, width], .normal(std: 0.02))
            : nil
        let g = ad.generalistImportance, e = Float(experts)
        importance = (0..<experts).map { $0 == 0 ? 1 / g / e : (e - 1) / (1 - g) / e }
        balancesInput = !ad.balancesBlockOutput
        assignments = (0..<experts).map { _ in ExpertAssignment() }
        fraction = Array(repeating: 0, count: experts)
        meanProb = Array(repeating: 0, count: experts)
    }

    /// The weight of each expert without a learned router: 1/E.
    static func meanWeight(experts: Int) -> Float { 1 / Float(experts) }

    func prepare(_ n: Int) {
        logits = sized(logits, n * experts)
        probs = sized(probs, n * experts)
        dLogits = sized(dLogits, n * experts)
        choice.ensure(n * k)
        choiceWeight = sized(choiceWeight, n * k)
        dChoiceWeight = sized(dChoiceWeight, n * k)
        for e in 0..<experts { assignments[e].prepare(n) }
    }

    /// Routes the n rows of x; returns the layer's load-balancing loss (0 without a router).
    func forward(_ x: UnsafePointer<Float>, n: Int) -> Float {
        self.n = n
        let cw = choiceWeight!.ptr, ch = choice.ptr
        guard let weight else {
            // One expert, or "no router": every token goes to every expert with weight 1/E.
            let w = Self.meanWeight(experts: experts)
            for t in 0..<n { for e in 0..<experts { ch[t * k + e] = Int32(e); cw[t * k + e] = w } }
            buildAssignments(n: n)
            return 0
        }
        let lg = logits!.ptr, pr = probs!.ptr, E = experts
        MatMul.gemm(transB: true, m: n, n: E, k: width, x, lda: width, weight.ptr, ldb: width, lg, ldc: E)
        flops.gemm(n, E, width)
        pr.update(from: lg, count: n * E)
        for t in 0..<n { Softmax.row(pr + t * E, count: E, valid: E) }
        for t in 0..<n {
            let row = lg + t * E, c = ch + t * k, w = cw + t * k
            TopK.select(row, count: E, k: k, into: c)
            if k == 1 {
                w[0] = pr[t * E + Int(c[0])]
            } else {
                for s in 0..<k { w[s] = row[Int(c[s])] }
                Softmax.row(w, count: k, valid: k)
            }
        }
        buildAssignments(n: n)
        for e in 0..<E {
            var p: Float = 0
            for t in 0..<n { p += pr[t * E + e] }
            meanProb[e] = p / Float(n)
            fraction[e] = Float(assignments[e].count) / Float(n * k)
        }
        return balancesInput ? balanceLoss(meanProb: meanProb, fraction: fraction) : 0
    }

    /// The load-balancing loss E² · mean_e(p_e f_e c_e) of mean probabilities p and decision
    /// shares f (c_e: `importance`); also `BlockOutputBalance`'s.
    func balanceLoss(meanProb p: [Float], fraction f: [Float]) -> Float {
        var lb: Float = 0
        for e in 0..<experts { lb += p[e] * f[e] * importance[e] }
        return Float(experts) * lb
    }

    /// `lbScale` · d LB / d p_{t,e} = lbScale · E · f_e · c_e / n: the same for every one of the n tokens.
    func balanceGradient(fraction f: [Float], lbScale: Float, n: Int) -> [Float] {
        (0..<experts).map { lbScale * Float(experts) * f[$0] * importance[$0] / Float(n) }
    }

    private func buildAssignments(n: Int) {
        for e in 0..<experts { assignments[e].count = 0 }
        let ch = choice.ptr, cw = choiceWeight!.ptr
        for t in 0..<n {
            for s in 0..<k {
                let e = Int(ch[t * k + s])
                let j = assignments[e].count
                assignments[e].index.ptr[j] = Int32(t)
                assignments[e].slot.ptr[j] = Int32(t * k + s)
                assignments[e].weight!.ptr[j] = cw[t * k + s]
                assignments[e].count = j + 1
            }
        }
        if weight == nil { for e in 0..<experts { fraction[e] = Float(assignments[e].count) / Float(n * k) } }
    }

    var dWeights: UnsafeMutablePointer<Float> { dChoiceWeight!.ptr }

    /// `out[t] = Σ_s w[t, s]`: 1 for k > 1 and for the mean, p_top for top-1.
    func weightSums(_ out: UnsafeMutablePointer<Float>, n: Int) {
        let cw = choiceWeight!.ptr
        for t in 0..<n {
            var s: Float = 0
            for j in 0..<k { s += cw[t * k + j] }
            out[t] = s
        }
    }

    /// Back-propagates dChoiceWeight and `lbScale · dLB` into R and (accumulating) dx.
    func backward(dx: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, lbScale: Float) {
        guard let weight else { return }
        let E = experts, pr = probs!.ptr, dl = dLogits!.ptr, dcw = dChoiceWeight!.ptr
        let ch = choice.ptr, cw = choiceWeight!.ptr
        let dpLB = balancesInput ? balanceGradient(fraction: fraction, lbScale: lbScale, n: n) : [Float](repeating: 0, count: E)
        var dp = [Float](repeating: 0, count: E)
        dp.withUnsafeMutableBufferPointer { dp in
            for t in 0..<n {
                let p = pr + t * E, d = dl + t * E
                for e in 0..<E { dp[e] = dpLB[e] }
                if k == 1 { dp[Int(ch[t])] += dcw[t] }
                Softmax.rowBackward(d, p: p, dp: dp.baseAddress!, count: E)
                if k > 1 {
                    // Softmax over the k chosen logits only.
                    let w = cw + t * k, dw = dcw + t * k
                    var dot: Float = 0
                    for s in 0..<k { dot += w[s] * dw[s] }
                    for s in 0..<k { d[Int(ch[t * k + s])] += w[s] * (dw[s] - dot) }
                }
            }
        }
        if let dr = weight.gradIfNeeded {
            MatMul.gemm(transA: true, m: E, n: width, k: n, dl, lda: E, x, ldb: width, beta: 1, dr, ldc: width)
            flops.gemm(E, width, n)
        }
        MatMul.gemm(m: n, n: width, k: E, dl, lda: E, weight.ptr, ldb: width, beta: 1, dx, ldc: width)
        flops.gemm(n, width, E)
    }
}
