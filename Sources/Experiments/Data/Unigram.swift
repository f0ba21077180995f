import Tensor

/// The unigram baseline a pretrained base must beat: token frequencies of a
/// training stream with add-one smoothing, scored as mean cross-entropy.
package struct Unigram {
    package let logProb: [Double]

    package init(train: [Int32], vocab: Int) {
        var counts = [Double](repeating: 1, count: vocab)
        for t in train { counts[Int(t)] += 1 }
        let total = counts.reduce(0, +)
        logProb = counts.map { PortableMath.log($0 / total) }
    }

    /// Mean −log p over the targets of the full windows `Evaluation` scores
    /// (every token but the first of each window).
    package func loss(_ data: [Int32], context t: Int) -> Double {
        loss(data, starts: Evaluation.fullWindows(data.count, context: t), context: t)
    }

    /// Mean −log p over the targets `data[s+1 ... s+t]` of the windows starting at `starts`
    /// (each needs s + t < count), as `Evaluation.evaluate` scores them; nan without windows.
    package func loss(_ data: [Int32], starts: [Int], context t: Int) -> Double {
        var s = 0.0
        for w in starts { for i in (w + 1)...(w + t) { s -= logProb[Int(data[i])] } }
        return starts.isEmpty ? .nan : s / Double(starts.count * t)
    }
}
