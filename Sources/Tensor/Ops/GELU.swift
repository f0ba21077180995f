/// GELU, tanh form: `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
public enum GELU {
    static let k0: Float = 0.7978845608028654  // √(2/π)
    static let k1: Float = 0.044715

    public static func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let v = load(x + i)
            let u: Vec = k0 * (v + k1 * v * v * v)
            let t: Vec = FastMath.tanh(u)
            store(0.5 * v * (1 + t), y + i)
            i += 16
        }
        while i < count {
            let v = x[i]
            y[i] = 0.5 * v * (1 + FastMath.tanh(k0 * (v + k1 * v * v * v)))
            i += 1
        }
    }

    /// `dx (+)= gelu'(x) · dy`.
    public static func backward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                _ x: UnsafePointer<Float>, count: Int, accumulate: Bool = false) {
        var i = 0
        while i + 16 <= count {
            let v = load(x + i)
            let v2: Vec = v * v
            let t: Vec = FastMath.tanh(k0 * (v + k1 * v2 * v))
            let du: Vec = k0 * (1 + 3 * k1 * v2)
            let g: Vec = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du
            let d: Vec = g * load(dy + i)
            store(accumulate ? load(dx + i) + d : d, dx + i)
            i += 16
        }
        while i < count {
            let v = x[i]
            let t = FastMath.tanh(k0 * (v + k1 * v * v * v))
            let g = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * (k0 * (1 + 3 * k1 * v * v))
            dx[i] = accumulate ? dx[i] + g * dy[i] : g * dy[i]
            i += 1
        }
    }
}
