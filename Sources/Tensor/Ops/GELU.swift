/// GELU, tanh form: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
public enum GELU {
    static let k0: Float = 0.7978845608028654  // √(2/π)
    static let k1: Float = 0.044715

    public static func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            y[i] = 0.5 * v * (1 + FastMath.tanh(k0 * (v + k1 * v * v * v)))
        }
    }

    /// `dx = gelu'(x) · dy`.
    public static func backward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                _ x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = x[i]
            let t = FastMath.tanh(k0 * (v + k1 * v * v * v))
            let g = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * (k0 * (1 + 3 * k1 * v * v))
            dx[i] = g * dy[i]
        }
    }
}
