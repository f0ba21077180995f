/// What happens in a simulation, in simulated-time order (`events.jsonl`).
public enum EventKind: String, Codable, Sendable {
    case roundStart = "round_start"
    case downloadDone = "download_done"
    case trainingDone = "training_done"
    case uploadDone = "upload_done"
    case clientFailure = "client_failure"
    /// The device's availability trace went off before its upload ended: the update is lost.
    case offline
    case deadline
    /// An update that arrived too late (deadline, over-selection) or too stale (async).
    case dropped
    case aggregation
    case evaluation
}

public struct TimelineEvent: Sendable, Equatable {
    public var time: SimTime
    public var kind: EventKind
    public var round: Int
    /// -1 for server events.
    public var client: Int

    public init(time: SimTime, kind: EventKind, round: Int, client: Int) {
        self.time = time
        self.kind = kind
        self.round = round
        self.client = client
    }

    /// One line of `events.jsonl` (fixed key order, so runs compare byte for byte).
    public var jsonLine: String {
        client >= 0
            ? "{\"t_us\":\(time),\"event\":\"\(kind.rawValue)\",\"round\":\(round),\"client\":\(client)}"
            : "{\"t_us\":\(time),\"event\":\"\(kind.rawValue)\",\"round\":\(round)}"
    }
}

/// One client's part in a round, as the scheduler planned and saw it.
public struct Participation: Sendable, Equatable {
    public var client: Int
    /// Local steps run (fewer than asked under a partial deadline).
    public var steps: Int
    public var slowdown: Double
    public var start: SimTime
    /// When the update arrived, or nil (failed, dropped, cancelled).
    public var arrival: SimTime?
    /// Server version the client started from (async staleness).
    public var version: Int
    /// Aggregation weight before normalisation (1, or the staleness weight).
    public var weight: Double
}

/// The result of one aggregation.
public struct RoundOutcome: Sendable, Equatable {
    public var round: Int
    public var start: SimTime
    public var end: SimTime
    public var selected: [Int]
    /// Updates aggregated, in client-id order: weights normalised to sum 1 (sync policies), or
    /// FedBuff's 1/√(1 + staleness)/K (async; a client may appear twice).
    public var arrived: [Participation]
    public var failed: [Int]
    public var dropped: [Int]
    /// The bytes each client moved during the round (downloads and uploads that finished in it).
    public var traffic = RoundTraffic()
}
