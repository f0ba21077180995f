import Kernels

/// LayerNorm over the last dimension (eps 1e-5), saving mean and 1/σ per row
/// for the backward pass (llm.c's formulation). The row loops are `Sources/Kernels/rows.c`
/// (one source for each vector width, the same bits), sums in `FastMath`'s order.
public enum LayerNorm {
    public static let eps: Float = 1e-5

    /// Per row: m = mean, r = 1/√(variance + eps), y = (x − m)·r·gain + bias.
    public static func forward(_ y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                               rstd: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                               gain: UnsafePointer<Float>, bias: UnsafePointer<Float>, n: Int, width c: Int) {
        ck_layernorm_forward(y, mean, rstd, x, gain, bias, n, c, eps)
    }

    /// Accumulates `dx`, and `dgain`, `dbias` when given: with x̂ = (x − m)·r, dn = gain·dy,
    /// dx += (dn − mean(dn) − x̂·mean(dn·x̂))·r.
    public static func backward(dx: UnsafeMutablePointer<Float>, dgain: UnsafeMutablePointer<Float>?,
                                dbias: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>,
                                x: UnsafePointer<Float>, mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>,
                                gain: UnsafePointer<Float>, n: Int, width c: Int) {
        ck_layernorm_backward(dx, dgain, dbias, dy, x, mean, rstd, gain, n, c)
    }
}
