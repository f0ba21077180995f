/// The bytes one aggregation moved, per client that moved any: kept and written sparse (the
/// participants only), so a round of K participants costs O(K) whatever the population — a
/// 100,000-client population's `rounds.jsonl` line lists its 100 participants, not 100,000 zeros.
struct RoundTraffic {
    private var perClient: [Int: (up: Int, down: Int)] = [:]

    mutating func downloaded(_ client: Int, bytes: Int) { perClient[client, default: (0, 0)].down += bytes }
    mutating func uploaded(_ client: Int, bytes: Int) { perClient[client, default: (0, 0)].up += bytes }

    /// Totals (integer sums: the same in any order).
    var up: Int { perClient.values.reduce(0) { $0 + $1.up } }
    var down: Int { perClient.values.reduce(0) { $0 + $1.down } }

    /// `RoundRecord.bytesPerClient`: each client that moved bytes, by client id.
    var clients: [RoundRecord.ClientBytes] {
        perClient.keys.sorted().map { c in RoundRecord.ClientBytes(client: c, up: perClient[c]!.up, down: perClient[c]!.down) }
    }
}
