/// Row gather/scatter used to send tokens to the experts that chose them,
/// plus the residual add. Each gather's backward is the matching scatter-add.
public enum Rows {
    /// `dst[i] = src[index[i]]` for i in 0..<index.count.
    public static func gather(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                              index: UnsafePointer<Int32>, count: Int, width: Int) {
        for i in 0..<count { (dst + i * width).update(from: src + Int(index[i]) * width, count: width) }
    }

    /// `dst[index[i]] += scale[i] · src[i]` (scale 1 when nil).
    public static func scatterAdd(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                                  index: UnsafePointer<Int32>?, scale: UnsafePointer<Float>?,
                                  count: Int, width: Int) {
        for i in 0..<count {
            let d = dst + (index.map { Int($0[i]) } ?? i) * width, s = src + i * width
            let w = scale?[i] ?? 1
            for j in 0..<width { d[j] += w * s[j] }
        }
    }

    /// `out = a + b` elementwise (the residual connection; its backward
    /// passes the gradient unchanged to both inputs).
    public static func residual(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                                _ b: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// `Σ_j a[j]·b[j]`.
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s: Float = 0
        for j in 0..<count { s += a[j] * b[j] }
        return s
    }
}
