import Simulator
import Tensor

/// One line of `events.jsonl`: a `TimelineEvent`, with no client for a server event. The run
/// writes `TimelineEvent.jsonLine`, this record's encoding spelled out (RecordsTests holds them
/// equal): an event line is written per simulated event, and the spelled-out one is several
/// times faster.
struct EventRecord: Codable, Equatable {
    /// Simulated microseconds.
    var time: SimTime
    var kind: EventKind
    var round: Int
    var client: Int?

    enum CodingKeys: String, CodingKey { case time = "t_us", kind = "event", round, client }

    var seconds: Double { Double(time) / 1e6 }
}

extension EventRecord {
    init(_ e: TimelineEvent) { self.init(time: e.time, kind: e.kind, round: e.round, client: e.client >= 0 ? e.client : nil) }
}
