import Kernels

/// Row gather/scatter used to send tokens to the experts that chose them,
/// plus the residual add. Each gather's backward is the matching scatter-add.
/// The loops are `Sources/Kernels/rows.c`.
public enum Rows {
    /// `dst[i] = scale[i] · src[index[i]]` for i in 0..<count (a nil index is the identity, a nil
    /// scale a plain copy).
    public static func gather(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                              index: UnsafePointer<Int32>?, scale: UnsafePointer<Float>? = nil, count: Int, width: Int) {
        ck_gather_rows(dst, src, index, scale, count, width)
    }

    /// `dst[index[i]] += scale[i] · src[gatherIndex[i]]` for i in 0..<count
    /// (a nil index is the identity, a nil scale is 1).
    public static func scatterAdd(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                                  index: UnsafePointer<Int32>?, gatherIndex: UnsafePointer<Int32>? = nil,
                                  scale: UnsafePointer<Float>? = nil, count: Int, width: Int) {
        ck_scatter_add(dst, src, index, gatherIndex, scale, count, width)
    }

    /// `out[t] += s[t] · v` for each of n rows of width `width`.
    public static func addScaled(_ out: UnsafeMutablePointer<Float>, _ s: UnsafePointer<Float>, _ v: UnsafePointer<Float>,
                                 count: Int, width: Int) {
        ck_add_scaled_rows(out, s, v, count, width)
    }

    /// `out = a + b` elementwise (the residual connection; its backward
    /// passes the gradient unchanged to both inputs).
    public static func residual(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                                _ b: UnsafePointer<Float>, count: Int) {
        ck_residual(out, a, b, count)
    }
}
