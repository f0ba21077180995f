import Kernels

/// Row softmax, numerically stabilised by the row maximum.
public enum Softmax {
    /// In place over the first `valid` entries of a row; the rest are set to 0.
    @inline(__always)
    public static func row(_ p: UnsafeMutablePointer<Float>, count: Int, valid: Int) {
        let inv = 1 / expInPlace(p, count: valid, shift: FastMath.max(p, count: valid))
        for j in 0..<valid { p[j] *= inv }
        if valid < count { (p + valid).update(repeating: 0, count: count - valid) }
    }

    /// `p[j] = exp(p[j] − shift)` for j < count; returns their sum in `FastMath.sum`'s order
    /// (`Sources/Kernels/elementwise.c`).
    @inline(__always)
    static func expInPlace(_ p: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        ck_exp_sum(p, count, shift)
    }

    /// Softmax Jacobian-vector product for one row: `dz = p ⊙ (dp − ⟨p, dp⟩)`.
    @inline(__always)
    public static func rowBackward(_ dz: UnsafeMutablePointer<Float>, p: UnsafePointer<Float>,
                                   dp: UnsafePointer<Float>, count: Int) {
        let dot = FastMath.dot(p, dp, count: count)
        for j in 0..<count { dz[j] = p[j] * (dp[j] - dot) }
    }
}
