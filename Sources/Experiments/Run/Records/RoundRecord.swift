import Simulator
import Tensor

/// One line of `rounds.jsonl`: one aggregation — its span in simulated seconds, who was selected,
/// whose update arrived (in aggregation order; async may list a client twice), failed or was
/// dropped, and the bytes it moved, per client only for the clients that moved any (sparse: a
/// round of 100 participants in a population of 100,000 lists 100).
package struct RoundRecord: Codable, Equatable {
    package var round: Int
    package var start: Double
    package var end: Double
    package var selected: [Int]
    package var arrived: [Int]
    package var failed: [Int]
    package var dropped: [Int]
    package var bytesUp: Int
    package var bytesDown: Int
    /// By client id.
    package var bytesPerClient: [ClientBytes]

    package struct ClientBytes: Codable, Equatable {
        package var client: Int, up: Int, down: Int
    }

    package enum CodingKeys: String, CodingKey {
        case round, start = "start_s", end = "end_s", selected, arrived, failed, dropped, bytesUp = "bytes_up", bytesDown = "bytes_down",
             bytesPerClient = "bytes_per_client"
    }
}

extension RoundRecord {
    /// The aggregation `o`, with the bytes its round moved.
    package init(_ o: RoundOutcome) {
        self.init(round: o.round, start: Double(o.start) / 1e6, end: Double(o.end) / 1e6, selected: o.selected, arrived: o.arrived.map(\.client),
                  failed: o.failed, dropped: o.dropped, bytesUp: o.traffic.up, bytesDown: o.traffic.down,
                  bytesPerClient: o.traffic.perClient.map { ClientBytes(client: $0.client, up: $0.up, down: $0.down) })
    }
}
