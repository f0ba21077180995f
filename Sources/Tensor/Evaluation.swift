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

    /// Mean CE over the windows of a batch (random windows, as `ClientData.batch` draws),
    /// `chunk` windows per forward.
    public static func meanLoss(_ model: GPT, _ b: TokenBatch, chunk: Int = 8) -> Double {
        var sum = 0.0, w = 0
        while w < b.batch {
            let n = min(chunk, b.batch - w), range = w * b.time ..< (w + n) * b.time
            sum += b.inputs[range].withUnsafeBufferPointer { x in b.targets[range].withUnsafeBufferPointer { y in
                model.forward(inputs: x, targets: y, batch: n, time: b.time).ceSum } }
            w += n
        }
        return sum / Double(b.batch * b.time)
    }

    /// Mean CE over all full non-overlapping windows: window w has inputs
    /// `data[wT ..< wT+T]` and targets `data[wT+1 ... wT+T]`, for every w
    /// with `wT + T < count`. Windows run `batch` at a time. With `routing`,
    /// every forward's routing is tallied too (origins align with `data`).
    public static func evaluate(_ model: GPT, tokens data: UnsafeBufferPointer<Int32>, context t: Int,
                                batch: Int = 8, routing: RoutingTally? = nil,
                                origins: UnsafeBufferPointer<UInt8>? = nil, posterior: ((Int) -> [Double])? = nil) -> Result {
        evaluate(model, tokens: data, starts: fullWindows(data.count, context: t), context: t, batch: batch, routing: routing,
                 origins: origins, posterior: posterior)
    }

    /// Starts of every full non-overlapping window of `count` tokens at context `t`.
    public static func fullWindows(_ count: Int, context t: Int) -> [Int] {
        (0..<(count > t ? (count - 1) / t : 0)).map { $0 * t }
    }

    /// Mean CE over the windows that start at `starts` (each needs `start + T < count`): inputs
    /// `data[s ..< s+T]`, targets `data[s+1 ... s+T]`, in the given order, `batch` per forward.
    /// `posterior(s)`: the T values P(origin general | window up to the token) of the window at s,
    /// for the routing tally.
    public static func evaluate(_ model: GPT, tokens data: UnsafeBufferPointer<Int32>, starts: [Int], context t: Int,
                                batch: Int = 8, routing: RoutingTally? = nil,
                                origins: UnsafeBufferPointer<UInt8>? = nil, posterior: ((Int) -> [Double])? = nil) -> Result {
        precondition(origins == nil || origins!.count == data.count, "\(origins!.count) origin labels for \(data.count) tokens")
        precondition(starts.allSatisfy { $0 >= 0 && $0 + t < data.count }, "a window runs past the \(data.count) tokens")
        var sum = 0.0
        var w = 0
        var inputs = [Int32](), targets = [Int32](), inputOrigins = [UInt8](), inputPosterior = [Double]()
        while w < starts.count {
            let b = min(batch, starts.count - w)
            inputs.removeAll(keepingCapacity: true)
            targets.removeAll(keepingCapacity: true)
            inputOrigins.removeAll(keepingCapacity: true)
            inputPosterior.removeAll(keepingCapacity: true)
            for s in starts[w..<w + b] {
                inputs.append(contentsOf: data[s ..< s + t])
                targets.append(contentsOf: data[s + 1 ... s + t])
                if let origins { inputOrigins.append(contentsOf: origins[s ..< s + t]) }
                if routing != nil, let posterior { inputPosterior.append(contentsOf: posterior(s)) }
            }
            sum += inputs.withUnsafeBufferPointer { x in targets.withUnsafeBufferPointer { y in
                model.forward(inputs: x, targets: y, batch: b, time: t).ceSum } }
            if let routing {
                inputOrigins.withUnsafeBufferPointer { o in
                    inputPosterior.withUnsafeBufferPointer { q in
                        routing.add(model, origins: origins == nil ? nil : o, generalPosterior: posterior == nil ? nil : q)
                    }
                }
            }
            w += b
        }
        let n = starts.count * t
        let loss = n > 0 ? sum / Double(n) : .nan
        return Result(loss: loss, ppl: PortableMath.exp(loss), tokens: n)
    }
}
