/// Row softmax, numerically stabilised by the row maximum.
public enum Softmax {
    /// In place over the first `valid` entries of a row; the rest are set to 0.
    @inline(__always)
    public static func row(_ p: UnsafeMutablePointer<Float>, count: Int, valid: Int) {
        var mx = -Float.infinity
        for j in 0..<valid { mx = max(mx, p[j]) }
        var s: Float = 0
        for j in 0..<valid { let e = FastMath.exp(p[j] - mx); p[j] = e; s += e }
        let inv = 1 / s
        for j in 0..<valid { p[j] *= inv }
        if valid < count { (p + valid).update(repeating: 0, count: count - valid) }
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
