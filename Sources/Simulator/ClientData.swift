import Tensor

/// One client's token splits, with ground-truth token origins when the corpus has them
/// (synthetic data: 0 = general language, 1 = the client's dialect): held, or loaded when read
/// (`onDemand`: a large population's splits are loaded for the clients that train or are
/// scored, and a `ClientDataCache` keeps the most recently used).
public struct ClientData: Sendable {
    public enum Split: String, CaseIterable, Sendable, Codable { case train, valid, test }
    /// A client's splits: tokens and (when known) origins.
    public typealias Splits = (tokens: [Split: [Int32]], origins: [Split: [UInt8]])

    public var name: String
    private var storage: Storage

    enum Storage: Sendable {
        case held(tokens: [Split: [Int32]], origins: [Split: [UInt8]])
        case onDemand(OnDemand)
    }

    /// Where splits that are not held come from: `load` (pure: the same splits every time), the
    /// split sizes known without loading, and the cache that keeps what was loaded.
    struct OnDemand: Sendable {
        let key: Int
        let sizes: [Split: Int]
        let cache: ClientDataCache
        let load: @Sendable () -> Splits
        var splits: Splits { cache.splits(key, load) }
    }

    public init(name: String, tokens: [Split: [Int32]], origins: [Split: [UInt8]] = [:]) {
        self.name = name
        storage = .held(tokens: tokens, origins: origins)
    }

    /// Splits loaded when first read through `cache` (as client `key` of it), of the sizes given.
    public init(name: String, key: Int, sizes: [Split: Int], cache: ClientDataCache, load: @escaping @Sendable () -> Splits) {
        self.name = name
        storage = .onDemand(OnDemand(key: key, sizes: sizes, cache: cache, load: load))
    }

    public var tokens: [Split: [Int32]] {
        get {
            switch storage {
            case .held(let t, _): t
            case .onDemand(let d): d.splits.tokens
            }
        }
        set { storage = .held(tokens: newValue, origins: origins) }
    }

    public var origins: [Split: [UInt8]] {
        get {
            switch storage {
            case .held(_, let o): o
            case .onDemand(let d): d.splits.origins
            }
        }
        set { storage = .held(tokens: tokens, origins: newValue) }
    }

    /// The splits as held data: one load for many reads (a client's training or scoring).
    public var loaded: ClientData {
        guard case .onDemand(let d) = storage else { return self }
        let s = d.splits
        return ClientData(name: name, tokens: s.tokens, origins: s.origins)
    }

    /// Tokens in `split`, known without loading the splits.
    public func count(_ split: Split) -> Int {
        switch storage {
        case .held(let t, _): t[split]?.count ?? 0
        case .onDemand(let d): d.sizes[split] ?? 0
        }
    }

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
