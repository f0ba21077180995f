/// The bytes one aggregation moved, per client that moved any (a download or an upload of it
/// finished during the round): sparse, so a round of K participants costs O(K) whatever the
/// population — a 100,000-client population's round lists its 100 participants, not 100,000 zeros.
public struct RoundTraffic: Sendable, Equatable {
    public struct ClientBytes: Sendable, Equatable {
        public var client: Int
        /// Bytes uploaded and downloaded in the round.
        public var up: Int
        public var down: Int
    }

    /// By client id.
    public internal(set) var perClient: [ClientBytes]

    public init(perClient: [ClientBytes] = []) { self.perClient = perClient }

    /// Totals, bytes (integer sums: the same in any order).
    public var up: Int { perClient.reduce(0) { $0 + $1.up } }
    public var down: Int { perClient.reduce(0) { $0 + $1.down } }
}
