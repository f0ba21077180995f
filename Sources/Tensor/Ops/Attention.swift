/// Causal multi-head self-attention on a packed `qkv` [B·T × 3C] (q, k, v
/// side by side, head h at columns h·hs ..< (h+1)·hs of each). Per (batch,
/// head), the products are strided BLAS calls straight on `qkv`, so nothing
/// is copied; the probabilities P [B, H, T, T] are kept for backward.
public enum Attention {
    public static func forward(_ out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>,
                               qkv: UnsafePointer<Float>, batch: Int, time t: Int, heads: Int, width c: Int) {
        let hs = c / heads, scale = 1 / Float(hs).squareRoot()
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv + b * t * 3 * c + h * hs, k = q + c, v = q + 2 * c
                let p = probs + (b * heads + h) * t * t
                BLAS.gemm(transB: true, m: t, n: t, k: hs, alpha: scale, q, lda: 3 * c, k, ldb: 3 * c, p, ldc: t)
                for i in 0..<t { Softmax.row(p + i * t, count: t, valid: i + 1) }
                BLAS.gemm(m: t, n: hs, k: t, p, lda: t, v, ldb: 3 * c, out + b * t * c + h * hs, ldc: c)
            }
        }
    }

    /// Writes (not accumulates) `dqkv`; `scratch` holds T·T floats.
    public static func backward(dqkv: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>,
                                probs: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>,
                                batch: Int, time t: Int, heads: Int, width c: Int) {
        let hs = c / heads, scale = 1 / Float(hs).squareRoot()
        for b in 0..<batch {
            for h in 0..<heads {
                let off = b * t * 3 * c + h * hs
                let q = qkv + off, k = q + c, v = q + 2 * c
                let dq = dqkv + off, dk = dq + c, dv = dq + 2 * c
                let p = probs + (b * heads + h) * t * t
                let dh = dout + b * t * c + h * hs
                // dP = dOut · Vᵀ, dV = Pᵀ · dOut
                BLAS.gemm(transB: true, m: t, n: t, k: hs, dh, lda: c, v, ldb: 3 * c, scratch, ldc: t)
                BLAS.gemm(transA: true, m: t, n: hs, k: t, p, lda: t, dh, ldb: c, dv, ldc: 3 * c)
                // dS = softmax'(dP) · scale, only on the causal (valid) part of each row.
                for i in 0..<t {
                    let row = scratch + i * t
                    Softmax.rowBackward(row, p: p + i * t, dp: row, count: i + 1)
                    for j in 0...i { row[j] *= scale }
                    if i + 1 < t { (row + i + 1).update(repeating: 0, count: t - i - 1) }
                }
                // dQ = dS · K, dK = dSᵀ · Q
                BLAS.gemm(m: t, n: hs, k: t, scratch, lda: t, k, ldb: 3 * c, dq, ldc: 3 * c)
                BLAS.gemm(transA: true, m: t, n: hs, k: t, scratch, lda: t, q, ldb: 3 * c, dk, ldc: 3 * c)
            }
        }
    }

    public static func flops(batch: Int, time t: Int, width c: Int) -> (forward: Int, backward: Int) {
        let one = 2 * batch * t * t * c  // summed over heads
        return (2 * one, 4 * one)
    }
}
