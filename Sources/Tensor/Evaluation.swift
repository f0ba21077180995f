/// Exact cross-entropy of a model over a token stream.
public enum Evaluation {
    public struct Result: Codable, Sendable, Equatable {
        public var loss: Double
        public var ppl: Double
        public var tokens: Int
        public init(loss: Double, ppl: Double, tokens: Int) {
            self.loss = loss
            self.ppl = ppl
            self.tokens = tokens
        }
    }

    /// Windows whose cross-entropies are summed together before joining the total: a fixed
    /// grouping, so a loss is the same bits whatever number of windows a forward holds.
    public static let group = 8
    /// Windows per forward when scoring (speed only). `comigs bench eval` measured 1 to 16 on
    /// `comigs-tiny`: 1 is slower, 2 to 16 within the noise of each other (README, "Engine benchmark").
    public static let windowsPerForward = 8

    /// Mean CE over the windows of a batch (random windows, as `ClientData.batch` draws), scored
    /// as `evaluate` scores windows.
    public static func meanLoss(_ model: GPT, _ b: TokenBatch) -> Double {
        let sum = b.inputs.withUnsafeBufferPointer { x in b.targets.withUnsafeBufferPointer { y in
            ceSum(model, inputs: x, targets: y, windows: b.batch, time: b.time, tally: { _, _ in }) } }
        return sum / Double(b.batch * b.time)
    }

    /// Σ CE over `windows` windows of `time` tokens (inputs and targets row-major), forward-only,
    /// `forward` at a time, summed per `group` windows in window order; `tally(w, n)` after each
    /// forward of the n windows from window w (its routing readable from `model`).
    static func ceSum(_ model: GPT, inputs x: UnsafeBufferPointer<Int32>, targets y: UnsafeBufferPointer<Int32>,
                      windows: Int, time t: Int, forward: Int = windowsPerForward, tally: (Int, Int) -> Void) -> Double {
        var total = 0.0, partial = 0.0, w = 0
        let v = model.config.vocabSize
        while w < windows {
            // Never across a group's end, so each group's partial sum closes after a forward.
            let n = min(forward, windows - w, group - w % group)
            let logits = model.forwardForScoring(inputs: UnsafeBufferPointer(rebasing: x[w * t ..< (w + n) * t]), batch: n, time: t)
            partial = CrossEntropy.score(logits, targets: y.baseAddress! + w * t, n: n * t, vocab: v, start: partial)
            tally(w, n)
            w += n
            if w % group == 0 || w == windows {
                total += partial
                partial = 0
            }
        }
        return total
    }

    /// Mean CE over all full non-overlapping windows: window w has inputs
    /// `data[wT ..< wT+T]` and targets `data[wT+1 ... wT+T]`, for every w
    /// with `wT + T < count`. With `routing`, every forward's routing is
    /// tallied too (origins align with `data`).
    public static func evaluate(_ model: GPT, tokens data: UnsafeBufferPointer<Int32>, context t: Int,
                                batch: Int = windowsPerForward, routing: RoutingTally? = nil,
                                origins: UnsafeBufferPointer<UInt8>? = nil, posterior: ((Int) -> [Double])? = nil) -> Result {
        evaluate(model, tokens: data, starts: fullWindows(data.count, context: t), context: t, batch: batch, routing: routing,
                 origins: origins, posterior: posterior)
    }

    /// Starts of every full non-overlapping window of `count` tokens at context `t`.
    public static func fullWindows(_ count: Int, context t: Int) -> [Int] {
        (0..<(count > t ? (count - 1) / t : 0)).map { $0 * t }
    }

    /// Mean CE over the windows that start at `starts` (each needs `start + T < count`): inputs
    /// `data[s ..< s+T]`, targets `data[s+1 ... s+T]`, in the given order, forward-only, `batch`
    /// windows per forward (speed only: the cross-entropies are summed per `group` windows in
    /// window order, so any `batch` gives the same bits). `posterior(s)`: the T values
    /// P(origin general | window up to the token) of the window at s, for the routing tally.
    public static func evaluate(_ model: GPT, tokens data: UnsafeBufferPointer<Int32>, starts: [Int], context t: Int,
                                batch: Int = windowsPerForward, routing: RoutingTally? = nil,
                                origins: UnsafeBufferPointer<UInt8>? = nil, posterior: ((Int) -> [Double])? = nil) -> Result {
        precondition(origins == nil || origins!.count == data.count, "\(origins!.count) origin labels for \(data.count) tokens")
        precondition(starts.allSatisfy { $0 >= 0 && $0 + t < data.count }, "a window runs past the \(data.count) tokens")
        precondition(batch > 0, "batch \(batch) windows per forward")
        var inputs = [Int32](), targets = [Int32]()
        inputs.reserveCapacity(starts.count * t)
        targets.reserveCapacity(starts.count * t)
        for s in starts {
            inputs.append(contentsOf: data[s ..< s + t])
            targets.append(contentsOf: data[s + 1 ... s + t])
        }
        var inputOrigins = [UInt8](), inputPosterior = [Double]()
        /// The routing of the forward of the n windows from window w.
        func tally(_ w: Int, _ n: Int) {
            guard let routing else { return }
            let windows = starts[w ..< w + n]
            inputOrigins.removeAll(keepingCapacity: true)
            inputPosterior.removeAll(keepingCapacity: true)
            for s in windows {
                if let origins { inputOrigins.append(contentsOf: origins[s ..< s + t]) }
                if let posterior { inputPosterior.append(contentsOf: posterior(s)) }
            }
            inputOrigins.withUnsafeBufferPointer { o in
                inputPosterior.withUnsafeBufferPointer { q in
                    routing.add(model, origins: origins == nil ? nil : o, generalPosterior: posterior == nil ? nil : q)
                }
            }
        }
        let sum = inputs.withUnsafeBufferPointer { x in targets.withUnsafeBufferPointer { y in
            ceSum(model, inputs: x, targets: y, windows: starts.count, time: t, forward: batch, tally: tally) } }
        let n = starts.count * t
        let loss = n > 0 ? sum / Double(n) : .nan
        return Result(loss: loss, ppl: PortableMath.exp(loss), tokens: n)
    }
}
