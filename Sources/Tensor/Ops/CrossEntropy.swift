/// Mean token cross-entropy fused with its gradient.
public enum CrossEntropy {
    /// Turns `logits` [n × v] into probabilities in place and returns the sum
    /// (not the mean) of `-log p[target]` over the n rows, in Double so long
    /// evaluations stay exact to float32 resolution.
    public static func forward(_ logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                               n: Int, vocab v: Int) -> Double {
        var total: Double = 0
        for i in 0..<n {
            let row = logits + i * v
            let s = Softmax.expInPlace(row, count: v, shift: FastMath.max(row, count: v))
            let inv = 1 / s
            for j in 0..<v { row[j] *= inv }
            total -= PortableMath.log(Double(max(row[Int(targets[i])], Float.leastNormalMagnitude)))
        }
        return total
    }

    /// Overwrites the probabilities with `dlogits = scale · (p − onehot)`,
    /// where scale is `dloss / (number of tokens in the mean)`.
    public static func backward(_ probs: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                                n: Int, vocab v: Int, scale: Float) {
        for i in 0..<n {
            let row = probs + i * v
            row[Int(targets[i])] -= 1
            for j in 0..<v { row[j] *= scale }
        }
    }
}

