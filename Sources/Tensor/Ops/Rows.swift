/// Row gather/scatter used to send tokens to the experts that chose them,
/// plus the residual add. Each gather's backward is the matching scatter-add.
public enum Rows {
    /// `dst[i] = src[index[i]]` for i in 0..<index.count.
    public static func gather(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                              index: UnsafePointer<Int32>, count: Int, width: Int) {
        for i in 0..<count { (dst + i * width).update(from: src + Int(index[i]) * width, count: width) }
    }

    /// `dst[index[i]] += scale[i] · src[gatherIndex[i]]` for i in 0..<count
    /// (a nil index is the identity, a nil scale is 1).
    public static func scatterAdd(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                                  index: UnsafePointer<Int32>?, gatherIndex: UnsafePointer<Int32>? = nil,
                                  scale: UnsafePointer<Float>? = nil, count: Int, width: Int) {
        for i in 0..<count {
            let d = dst + (index.map { Int($0[i]) } ?? i) * width
            let s = src + (gatherIndex.map { Int($0[i]) } ?? i) * width
            if let scale {
                let w = scale[i]
                for j in 0..<width { d[j] += w * s[j] }
            } else {
                for j in 0..<width { d[j] += s[j] }
            }
        }
    }

    /// `out = a + b` elementwise (the residual connection; its backward
    /// passes the gradient unchanged to both inputs).
    public static func residual(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                                _ b: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// `Σ_j a[j]·b[j]`, in a fixed order of eight partial sums (vectorisable).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var j = 0
        while j + 8 <= count {
            s0 += a[j] * b[j]; s1 += a[j + 1] * b[j + 1]; s2 += a[j + 2] * b[j + 2]; s3 += a[j + 3] * b[j + 3]
            s4 += a[j + 4] * b[j + 4]; s5 += a[j + 5] * b[j + 5]; s6 += a[j + 6] * b[j + 6]; s7 += a[j + 7] * b[j + 7]
            j += 8
        }
        var s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
        while j < count { s += a[j] * b[j]; j += 1 }
        return s
    }
}
