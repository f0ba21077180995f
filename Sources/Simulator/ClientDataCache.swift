import Dispatch

/// The loaded splits of the clients of one corpus, up to `budget` bytes (tokens 4 bytes, origin
/// labels 1): a population whose data fits is loaded once, each client at its first use; a larger
/// one keeps the most recently used clients and loads the others again when they are read. A task
/// that holds a client's splits keeps them alive past eviction. Safe from any worker.
public final class ClientDataCache: @unchecked Sendable {
    public let budget: Int
    private var entries: [Int: (splits: ClientData.Splits, bytes: Int, used: Int)] = [:]
    private var held = 0, clock = 0
    private let lock = DispatchSemaphore(value: 1)
    /// Clients loaded so far, counting loads again after an eviction.
    public private(set) var loads = 0

    public init(budget: Int) { self.budget = budget }

    /// Client `key`'s splits: kept ones, or `load()`'s (kept while the budget allows).
    func splits(_ key: Int, _ load: () -> ClientData.Splits) -> ClientData.Splits {
        lock.wait()
        clock += 1
        if let e = entries[key] {
            entries[key]!.used = clock
            lock.signal()
            return e.splits
        }
        lock.signal()
        // Loaded outside the lock: workers load different clients at once (a client loaded
        // twice at once gets the same splits, `load` being pure).
        let s = load()
        let bytes = s.tokens.values.reduce(0) { $0 + 4 * $1.count } + s.origins.values.reduce(0) { $0 + $1.count }
        lock.wait()
        defer { lock.signal() }
        loads += 1
        guard entries[key] == nil else { return s }
        while held + bytes > budget, let (oldest, e) = entries.min(by: { $0.value.used < $1.value.used }) {
            entries[oldest] = nil
            held -= e.bytes
        }
        if bytes <= budget {
            entries[key] = (s, bytes, clock)
            held += bytes
        }
        return s
    }

    /// Bytes of splits kept now.
    public var bytesHeld: Int {
        lock.wait()
        defer { lock.signal() }
        return held
    }
}
