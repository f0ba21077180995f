import Tensor

/// One client's token splits in memory, with ground-truth token origins when
/// the corpus has them (synthetic data: 0 = general language, 1 = the client's dialect).
public struct ClientData: Sendable {
    public enum Split: String, CaseIterable, Sendable, Codable { case train, valid, test }

    public var name: String
    public var tokens: [Split: [Int32]]
    public var origins: [Split: [UInt8]]

    public init(name: String, tokens: [Split: [Int32]], origins: [Split: [UInt8]] = [:]) {
        self.name = name
        self.tokens = tokens
        self.origins = origins
    }

    public func count(_ split: Split) -> Int { tokens[split]?.count ?? 0 }

    /// `batch` random windows of `time` tokens from `split` (inputs and targets
    /// shifted by one), drawn from the caller's stream: nanoGPT's get_batch.
    public func batch(_ split: Split, batch: Int, time: Int, rng: inout RNG) -> TokenBatch {
        let data = tokens[split] ?? []
        precondition(data.count > time, "\(name): \(split) split has \(data.count) tokens, needs more than \(time)")
        var x = [Int32](), y = [Int32]()
        x.reserveCapacity(batch * time)
        y.reserveCapacity(batch * time)
        for _ in 0..<batch {
            let start = rng.int(below: data.count - time)
            x.append(contentsOf: data[start ..< start + time])
            y.append(contentsOf: data[start + 1 ... start + time])
        }
        return TokenBatch(inputs: x, targets: y, batch: batch, time: time)
    }

    /// Every client's splits concatenated in client order: the centralized reference's data.
    public static func pooled(_ clients: [ClientData]) -> ClientData {
        var out = ClientData(name: "pooled", tokens: [:])
        for split in Split.allCases { out.tokens[split] = clients.flatMap { $0.tokens[split] ?? [] } }
        return out
    }
}
