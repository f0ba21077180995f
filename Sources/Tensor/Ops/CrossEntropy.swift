/// Mean token cross-entropy fused with its gradient.
public enum CrossEntropy {
    /// Turns `logits` [n × v] into probabilities in place and returns the sum
    /// (not the mean) of `-log p[target]` over the n rows, in Double so long
    /// evaluations stay exact to float32 resolution.
    public static func forward(_ logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                               n: Int, vocab v: Int) -> Double {
        sum(logits, targets: targets, n: n, vocab: v, keep: true, start: 0)
    }

    /// `start` − Σ log p[target] over the n rows, for scoring only: the same value, bit for bit,
    /// as `forward` (each target's p is exp(logit − max) × 1/Σ exp, as `forward` normalises it),
    /// without normalising the rest of the row (left as exponentials). `start` continues a
    /// running sum across calls, so a sum's order does not depend on how rows are batched.
    public static func score(_ logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                             n: Int, vocab v: Int, start: Double) -> Double {
        sum(logits, targets: targets, n: n, vocab: v, keep: false, start: start)
    }

    private static func sum(_ logits: UnsafeMutablePointer<Float>, targets: UnsafePointer<Int32>,
                            n: Int, vocab v: Int, keep: Bool, start: Double) -> Double {
        var total = start
        for i in 0..<n {
            let row = logits + i * v, target = Int(targets[i])
            let s = Softmax.expInPlace(row, count: v, shift: FastMath.max(row, count: v))
            let inv = 1 / s
            if keep { for j in 0..<v { row[j] *= inv } }
            let p = keep ? row[target] : row[target] * inv
            total -= PortableMath.log(Double(max(p, Float.leastNormalMagnitude)))
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

