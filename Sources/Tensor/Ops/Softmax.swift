/// Row softmax, numerically stabilised by the row maximum.
public enum Softmax {
    /// In place over the first `valid` entries of a row; the rest are set to 0.
    @inline(__always)
    public static func row(_ p: UnsafeMutablePointer<Float>, count: Int, valid: Int) {
        let s = expInPlace(p, count: valid, shift: max(p, count: valid))
        let inv = 1 / s
        for j in 0..<valid { p[j] *= inv }
        if valid < count { (p + valid).update(repeating: 0, count: count - valid) }
    }

    @inline(__always)
    static func max(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var m = -Float.infinity, j = 0
        if count >= 16 {
            var mv = load(p)
            j = 16
            while j + 16 <= count { mv = pointwiseMax(mv, load(p + j)); j += 16 }
            m = mv.max()
        }
        while j < count { m = Swift.max(m, p[j]); j += 1 }
        return m
    }

    /// `p[j] = exp(p[j] − shift)` for j < count; returns Σ p[j] (fixed
    /// summation order: sixteen lane sums, then the tail).
    @inline(__always)
    static func expInPlace(_ p: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var acc = Vec(repeating: 0), j = 0
        while j + 16 <= count {
            let e = FastMath.exp(load(p + j) - shift)
            store(e, p + j)
            acc += e
            j += 16
        }
        var s = acc.sum()
        while j < count { let e = FastMath.exp(p[j] - shift); p[j] = e; s += e; j += 1 }
        return s
    }

    /// Softmax Jacobian-vector product for one row: `dz = p ⊙ (dp − ⟨p, dp⟩)`.
    @inline(__always)
    public static func rowBackward(_ dz: UnsafeMutablePointer<Float>, p: UnsafePointer<Float>,
                                   dp: UnsafePointer<Float>, count: Int) {
        var dot: Float = 0
        for j in 0..<count { dot += p[j] * dp[j] }
        for j in 0..<count { dz[j] = p[j] * (dp[j] - dot) }
    }
}
