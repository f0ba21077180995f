import Simulator
import Tensor

/// One line of `events.jsonl`: a `TimelineEvent`, with no client for a server event. The run
/// writes `TimelineEvent.jsonLine`, this record's encoding spelled out (RecordsTests holds them
/// equal): an event line is written per simulated event, and the spelled-out one is several
/// times faster.
package struct EventRecord: Codable, Equatable {
    /// Simulated microseconds.
    package var time: SimTime
    package var kind: EventKind
    package var round: Int
    package var client: Int?

    package enum CodingKeys: String, CodingKey { case time = "t_us", kind = "event", round, client }

    package var seconds: Double { Double(time) / 1e6 }
}

extension EventRecord {
    package init(_ e: TimelineEvent) { self.init(time: e.time, kind: e.kind, round: e.round, client: e.client >= 0 ? e.client : nil) }
}
