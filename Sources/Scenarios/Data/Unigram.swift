import Tensor

/// The unigram baseline a pretrained base must beat: token frequencies of a
/// training stream with add-one smoothing, scored as mean cross-entropy.
struct Unigram {
    let logProb: [Double]

    init(train: [Int32], vocab: Int) {
        var counts = [Double](repeating: 1, count: vocab)
        for t in train { counts[Int(t)] += 1 }
        let total = counts.reduce(0, +)
        logProb = counts.map { PortableMath.log($0 / total) }
    }

    /// Mean −log p over the targets of the full windows `Evaluation` scores
    /// (every token but the first of each window).
    func loss(_ data: [Int32], context t: Int) -> Double {
        let windows = data.count > t ? (data.count - 1) / t : 0
        var s = 0.0
        for w in 0..<windows { for i in (w * t + 1)...(w * t + t) { s -= logProb[Int(data[i])] } }
        return windows > 0 ? s / Double(windows * t) : .nan
    }
}
