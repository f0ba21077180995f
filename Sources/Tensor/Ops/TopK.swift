/// Top-k selection over a short row (the experts of one token).
public enum TopK {
    /// Writes the indices of the k largest values, largest first; ties go
    /// to the lower index, so the choice never depends on anything but the values.
    @inline(__always)
    public static func select(_ v: UnsafePointer<Float>, count: Int, k: Int, into out: UnsafeMutablePointer<Int32>) {
        for s in 0..<k {
            var best = -1
            for j in 0..<count {
                var taken = false
                for q in 0..<s where out[q] == Int32(j) { taken = true }
                if taken { continue }
                if best < 0 || v[j] > v[best] { best = j }
            }
            out[s] = Int32(best)
        }
    }
}
