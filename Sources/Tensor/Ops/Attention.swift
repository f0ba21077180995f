/// Causal multi-head self-attention on a packed `qkv` [B·T × 3C] (q, k, v
/// side by side, head h at columns h·hs ..< (h+1)·hs of each). Per (batch,
/// head), the products are strided BLAS calls straight on `qkv`, so nothing
/// is copied; the probabilities P [B, H, T, T] are kept for backward.
///
/// Causality is used to skip work: rows are processed in blocks of `block`,
/// and a block of rows r0..<r1 only multiplies against keys 0..<r1 (about
/// 5/8 of the full T×T products for T = 4·block).
public enum Attention {
    static let block = 32

    @inline(__always)
    static func rowBlocks(_ t: Int) -> [(Int, Int)] {
        stride(from: 0, to: t, by: block).map { ($0, min($0 + block, t)) }
    }

    /// With `keep` false (scoring only) every (batch, head) uses the first T×T of `probs`, which
    /// then stays in cache; the products are the same.
    public static func forward(_ out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                               qkv: UnsafePointer<Float>, batch: Int, time t: Int, heads: Int, width c: Int, keep: Bool = true) {
        let hs = c / heads, scale = 1 / Float(hs).squareRoot(), blocks = rowBlocks(t)
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv + b * t * 3 * c + h * hs, k = q + c, v = q + 2 * c
                let p = probs + (keep ? (b * heads + h) * t * t : 0), o = out + b * t * c + h * hs
                for (r0, r1) in blocks {
                    let pr = p + r0 * t
                    MatMul.gemm(transB: true, m: r1 - r0, n: r1, k: hs, alpha: scale, q + r0 * 3 * c, lda: 3 * c,
                              k, ldb: 3 * c, pr, ldc: t)
                    for i in r0..<r1 { Softmax.row(p + i * t, count: r1, valid: i + 1) }
                    MatMul.gemm(m: r1 - r0, n: hs, k: r1, pr, lda: t, v, ldb: 3 * c, o + r0 * c, ldc: c)
                }
            }
        }
    }

    /// Writes (not accumulates) `dqkv`; `scratch` holds T·T floats.
    public static func backward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                probs: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>,
                                batch: Int, time t: Int, heads: Int, width c: Int) {
        let hs = c / heads, scale = 1 / Float(hs).squareRoot()
        // Last block first: it covers every key row, so its products can
        // overwrite dK and dV and the earlier (shorter) blocks accumulate.
        let blocks = rowBlocks(t).reversed()
        for b in 0..<batch {
            for h in 0..<heads {
                let off = b * t * 3 * c + h * hs
                let q = qkv + off, k = q + c, v = q + 2 * c
                let dq = dqkv + off, dk = dq + c, dv = dq + 2 * c
                let p = probs + (b * heads + h) * t * t
                let dh = dout + b * t * c + h * hs
                for (r0, r1) in blocks {
                    let m = r1 - r0, pr = p + r0 * t, ds = scratch + r0 * t, first = r1 == t
                    // dP = dOut · Vᵀ, dV += Pᵀ · dOut
                    MatMul.gemm(transB: true, m: m, n: r1, k: hs, dh + r0 * c, lda: c, v, ldb: 3 * c, ds, ldc: t)
                    MatMul.gemm(transA: true, m: r1, n: hs, k: m, pr, lda: t, dh + r0 * c, ldb: c,
                              beta: first ? 0 : 1, dv, ldc: 3 * c)
                    // dS = softmax'(dP) · scale on the causal part of each row, zero after it.
                    for i in r0..<r1 {
                        let row = scratch + i * t
                        Softmax.rowBackward(row, p: p + i * t, dp: row, count: i + 1)
                        for j in 0...i { row[j] *= scale }
                        if i + 1 < r1 { (row + i + 1).update(repeating: 0, count: r1 - i - 1) }
                    }
                    // dQ = dS · K, dK += dSᵀ · Q
                    MatMul.gemm(m: m, n: hs, k: r1, ds, lda: t, k, ldb: 3 * c, dq + r0 * 3 * c, ldc: 3 * c)
                    MatMul.gemm(transA: true, m: r1, n: hs, k: m, ds, lda: t, q + r0 * 3 * c, ldb: 3 * c,
                              beta: first ? 0 : 1, dk, ldc: 3 * c)
                }
            }
        }
    }

    /// FLOPs actually done (the causal blocks only), summed over heads.
    public static func flops(batch: Int, time t: Int, width c: Int) -> (forward: Int, backward: Int) {
        let cells = rowBlocks(t).reduce(0) { $0 + ($1.1 - $1.0) * $1.1 }  // score entries computed
        let one = 2 * batch * cells * c
        return (2 * one, 4 * one)
    }
}
