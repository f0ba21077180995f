/// When a round ends and which updates count (docs/design.md §5).
public enum RoundPolicy: Codable, Sendable, Equatable {
    /// Wait for every selected client.
    case sync
    /// End the round `seconds` after it starts. Late updates are dropped, or
    /// with `partial` a client stops after the local steps that fit and sends those; a client
    /// for which not one step fits is timed and dropped at the deadline as without `partial`.
    case deadline(seconds: Double, partial: Bool)
    /// Select K + extra and keep the first K updates to arrive.
    case overselect(extra: Int)
    /// FedBuff-style: clients train continuously; the server aggregates every
    /// `buffer` arrivals, weighting each by 1/√(1 + staleness) and dropping
    /// updates staler than `maxStaleness` server versions.
    case async(buffer: Int, maxStaleness: Int)

    /// How many clients a round selects when it wants k.
    public func selectionSize(_ k: Int) -> Int {
        if case .overselect(let extra) = self { return k + extra }
        return k
    }

    /// FedBuff's staleness weight.
    public static func stalenessWeight(_ s: Int) -> Double { 1 / (1 + Double(s)).squareRoot() }
}
