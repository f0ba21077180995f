/// LayerNorm over the last dimension (eps 1e-5), saving mean and 1/σ per row
/// for the backward pass (llm.c's formulation).
public enum LayerNorm {
    public static let eps: Float = 1e-5

    public static func forward(_ y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                               rstd: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                               gain: UnsafePointer<Float>, bias: UnsafePointer<Float>, n: Int, width c: Int) {
        for i in 0..<n {
            let xr = x + i * c, yr = y + i * c
            let m = FastMath.sum(xr, count: c) / Float(c)
            let v = FastMath.sum(count: c) { (xr[$0] - m) * (xr[$0] - m) }
            let r = 1 / (v / Float(c) + eps).squareRoot()
            for j in 0..<c { yr[j] = (xr[j] - m) * r * gain[j] + bias[j] }
            mean[i] = m
            rstd[i] = r
        }
    }

    /// Accumulates `dx`, and `dgain`, `dbias` when given.
    public static func backward(dx: UnsafeMutablePointer<Float>, dgain: UnsafeMutablePointer<Float>?,
                                dbias: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>,
                                x: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                gain: UnsafePointer<Float>, n: Int, width c: Int) {
        for i in 0..<n {
            let xr = x + i * c, dyr = dy + i * c, dxr = dx + i * c
            let m = mean[i], r = rstd[i]
            // mean of dn = gain·dy, and of dn·x̂
            let sumDn = FastMath.dot(gain, dyr, count: c) / Float(c)
            let sumDnX = FastMath.sum(count: c) { gain[$0] * dyr[$0] * (xr[$0] - m) } * r / Float(c)
            for j in 0..<c {
                let xhat = (xr[j] - m) * r
                dxr[j] += (gain[j] * dyr[j] - sumDn - xhat * sumDnX) * r
                if let dgain { dgain[j] += xhat * dyr[j] }
                if let dbias { dbias[j] += dyr[j] }
            }
        }
    }
}
