/// GELU, tanh form: `0.5·x·(1 + tanh(u))`, u = √(2/π)·(x + 0.044715·x³).
/// Computed through the identity `0.5·(1 + tanh(u)) = σ(2u) = 1 / (1 + e^{−2u})`,
/// which needs one exp and one division and has no cancellation anywhere.
public enum GELU {
    static let k0: Float = 0.7978845608028654  // √(2/π)
    static let k1: Float = 0.044715

    public static func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            y[i] = v / (1 + FastMath.exp(-2 * k0 * (v + k1 * v * v * v)))
        }
    }

    /// `dx = gelu'(x) · dy`, with gelu'(x) = s + 2·x·s·(1 − s)·du/dx and s = σ(2u).
    public static func backward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                _ x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i], v2 = v * v
            let s = 1 / (1 + FastMath.exp(-2 * k0 * (v + k1 * v2 * v)))
            let g = s + 2 * v * s * (1 - s) * (k0 * (1 + 3 * k1 * v2))
            dx[i] = g * dy[i]
        }
    }
}
