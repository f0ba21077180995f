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
                                origins: UnsafeBufferPointer<UInt8>? = nil) -> Result {
        precondition(origins == nil || origins!.count == data.count, "\(origins!.count) origin labels for \(data.count) tokens")
        let windows = data.count > t ? (data.count - 1) / t : 0
        var sum = 0.0
        var w = 0
        var inputs = [Int32](), targets = [Int32](), inputOrigins = [UInt8]()
        while w < windows {
            let b = min(batch, windows - w)
            inputs.removeAll(keepingCapacity: true)
            targets.removeAll(keepingCapacity: true)
            inputOrigins.removeAll(keepingCapacity: true)
            for i in w..<w + b {
                inputs.append(contentsOf: data[i * t ..< i * t + t])
                targets.append(contentsOf: data[i * t + 1 ... i * t + t])
                if let origins { inputOrigins.append(contentsOf: origins[i * t ..< i * t + t]) }
            }
            sum += inputs.withUnsafeBufferPointer { x in targets.withUnsafeBufferPointer { y in
                model.forward(inputs: x, targets: y, batch: b, time: t).ceSum } }
            if let routing { inputOrigins.withUnsafeBufferPointer { routing.add(model, origins: origins == nil ? nil : $0) } }
            w += b
        }
        let n = windows * t
        let loss = n > 0 ? sum / Double(n) : .nan
        return Result(loss: loss, ppl: PortableMath.exp(loss), tokens: n)
    }
}

