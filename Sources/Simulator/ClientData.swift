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

    /// The fewest tokens a split may hold at sequence length `context`: one window of
    /// `context` inputs plus the target after the last (`batch` draws a start below
    /// count − context; evaluation scores every full window). The one rule `run`, `eval`
    /// and the data commands apply.
    public static func minimumTokens(context: Int) -> Int { context + 1 }

    /// Why `count` tokens are too few at this context, or nil when they suffice.
    public static func shortfall(_ count: Int, context: Int) -> String? {
        count >= minimumTokens(context: context) ? nil
            : "\(count) tokens, fewer than one window of \(minimumTokens(context: context)) (context \(context) + 1)"
    }

    /// The first split below `minimumTokens(context:)`, as "its valid split has …".
    public func shortSplit(context: Int) -> String? {
        Split.allCases.lazy.compactMap { s in Self.shortfall(count(s), context: context).map { "its \(s.rawValue) split has \($0)" } }.first
    }

    /// `batch` random windows of `time` tokens from `split` (inputs and targets
    /// shifted by one), drawn from the caller's stream: nanoGPT's get_batch.
    public func batch(_ split: Split, batch: Int, time: Int, rng: inout RNG) -> TokenBatch {
        let data = tokens[split] ?? []
        precondition(Self.shortfall(data.count, context: time) == nil, "\(name): \(split) split: \(Self.shortfall(data.count, context: time)!)")
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
