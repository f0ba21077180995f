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
}
