import Kernels

/// GELU, tanh form: `0.5·x·(1 + tanh(u))`, u = √(2/π)·(x + 0.044715·x³).
/// Computed through the identity `0.5·(1 + tanh(u)) = σ(2u) = 1 / (1 + e^{−2u})`,
/// which needs one exp and one division and has no cancellation anywhere. The loops are
/// `Sources/Kernels/elementwise.c`: one source compiled for each vector width, the same bits.
public enum GELU {
    /// `y[i] = gelu(x[i])` for i < count; y and x must not overlap.
    public static func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        ck_gelu_forward(y, x, count)
    }

    /// `dx = gelu'(x) · dy`, with gelu'(x) = s + 2·x·s·(1 − s)·du/dx and s = σ(2u); dx must not
    /// overlap dy or x.
    public static func backward(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                                _ x: UnsafePointer<Float>, count: Int) {
        ck_gelu_backward(dx, dy, x, count)
    }
}
