import Tensor

/// Which device each of N clients gets when the clients are not listed one by one: a share of
/// each device class, or a draw from the devices of a trace. Both give one index per client
/// (O(N) time and memory, for the cost-only mode's 100k clients) and depend only on their seed.
public enum Population {
    /// Clients per class for `shares` (non-negative, summing to 1) of `total`, by largest
    /// remainder (Hamilton's method): each class gets the floor of its quota share × total, and
    /// the clients left over go one each to the largest fractional remainders, ties to the
    /// earlier class. Quotas within 1e-9 of an integer count as that integer, so 0.3 × 1000
    /// is 300 whatever its last bit. The counts sum to `total` exactly.
    public static func counts(shares: [Double], total: Int) -> [Int] {
        precondition(shares.allSatisfy { $0 >= 0 } && total >= 0, "shares must be non-negative")
        let quotas = shares.map { $0 * Double(total) }
        var counts = quotas.map { Int(($0 + 1e-9).rounded(.down)) }
        let remainders = zip(quotas, counts).map { max(0, $0 - Double($1)) }
        // Stable order: larger remainder first, then the earlier class.
        let order = remainders.indices.sorted { (remainders[$0], $1) > (remainders[$1], $0) }
        for k in 0..<max(0, total - counts.reduce(0, +)) { counts[order[k % order.count]] += 1 }
        return counts
    }

    /// The class of every client: the classes' `counts` in class order, then shuffled
    /// (Fisher–Yates) by the stream "population" of `seed`.
    public static func classes(shares: [Double], total: Int, seed: UInt64) -> [Int] {
        var assignment = counts(shares: shares, total: total).enumerated().flatMap { Array(repeating: $0.offset, count: $0.element) }
        var rng = RNG(seed: seed, stream: "population")
        for i in stride(from: assignment.count - 1, to: 0, by: -1) { assignment.swapAt(i, rng.int(below: i + 1)) }
        return assignment
    }

    /// The trace device (0..<devices) of each of `clients` clients, drawn by the stream
    /// "population" of `seed`: uniformly and independently with replacement, or without (the
    /// first `clients` of a seeded partial Fisher–Yates shuffle; needs clients ≤ devices).
    public static func draw(devices: Int, clients: Int, replace: Bool, seed: UInt64) -> [Int] {
        precondition(devices > 0 && (replace || clients <= devices), "cannot draw \(clients) of \(devices) devices")
        var rng = RNG(seed: seed, stream: "population")
        if replace { return (0..<clients).map { _ in rng.int(below: devices) } }
        var pool = Array(0..<devices)
        for i in 0..<clients { pool.swapAt(i, i + rng.int(below: devices - i)) }
        return Array(pool[0..<clients])
    }
}
