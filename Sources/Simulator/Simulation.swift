import Tensor

/// The discrete-event scheduler (docs/design.md §5), as a small core and a round driver. The core holds
/// the clock and the event queue (`EventLoop`), the event log and every client's round of
/// download, local training and upload (with stragglers, dropouts and availability windows or
/// traces; `ClientRound.swift`); the driver decides who starts when and when the server aggregates:
/// `SyncRounds` for every policy but `async` (its `RoundRule`), `FedBuffRounds` for `async`.
/// Every random draw comes from a stream of (seed, client, round), so the timeline never depends
/// on the order in which anything was computed.
public final class Simulation {
    public let clients: [SimClient]
    public let config: SimulationConfig
    /// Called for every event, in simulated-time order.
    public var onEvent: ((TimelineEvent) -> Void)?
    /// The real training, when numerics run (nil: cost-only mode).
    public var numerics: (any SimulationNumerics)?
    /// Events logged so far.
    public internal(set) var eventCount: Int {
        get { loop.eventCount }
        set { loop.eventCount = newValue }
    }
    /// The simulated clock, µs.
    public internal(set) var now: SimTime {
        get { loop.now }
        set { loop.now = newValue }
    }
    /// Local steps each client has trained (where its next router burst falls).
    public internal(set) var stepsDone: [Int]
    /// Why an asynchronous run stopped before its last version, when it did: no update can
    /// reach the server any more (`noUpdatePossible`), or none did within `stallBound`; nil for
    /// a complete run.
    public internal(set) var stalled: String?
    /// Whether `run` returns every round's outcome. A scenario run reads each outcome through
    /// `numerics` as its round ends and keeps none (false), so its memory does not grow with the
    /// number of rounds.
    public var keepsOutcomes = true

    private var loop: EventLoop
    let clientStreams: [RNG]
    let selection: RNG

    public init(clients: [SimClient], config: SimulationConfig) {
        self.clients = clients
        self.config = config
        clientStreams = clients.indices.map { RNG(seed: config.seed, client: $0, stream: "heterogeneity") }
        selection = RNG(seed: config.seed, stream: "selection")
        stepsDone = Array(repeating: 0, count: clients.count)
        loop = EventLoop(clients: clients.count)
    }

    /// Whether a run can continue from a round boundary (`run(after:)`): every
    /// policy but async, whose clients are always mid-training.
    public var resumable: Bool { if case .async = config.policy { false } else { true } }

    /// Runs every round; returns one outcome per aggregation (none unless `keepsOutcomes`).
    /// Throws what a `numerics` hook throws, at once.
    public func run() throws -> [RoundOutcome] {
        if case .async(let buffer, let maxStaleness) = config.policy {
            var rounds = FedBuffRounds(self, buffer: buffer, maxStaleness: maxStaleness)
            return try rounds.run()
        }
        var rounds = syncRounds()
        return try rounds.run(from: 0)
    }

    /// Continues a run from the end of round `done` − 1, at time `now` with
    /// `events` logged. Between rounds nothing is in flight and every draw
    /// comes from (seed, client, round), so the rest is exactly what an
    /// uninterrupted run does.
    public func run(after done: Int, now: SimTime, events: Int, stepsDone: [Int]) throws -> [RoundOutcome] {
        precondition(resumable, "an async run cannot continue from a round boundary")
        precondition(stepsDone.count == clients.count, "steps for \(stepsDone.count) clients, the run has \(clients.count)")
        self.now = now
        self.stepsDone = stepsDone
        eventCount = events
        var rounds = syncRounds()
        return try rounds.run(from: done)
    }

    private func syncRounds() -> SyncRounds {
        SyncRounds(self, rule: RoundRule(config.policy, clientsPerRound: config.clientsPerRound ?? clients.count)!)
    }

    // MARK: The event loop

    /// Logs an event (a download or upload counts its bytes towards the round's traffic).
    func log(_ kind: EventKind, _ round: Int, _ client: Int, at t: SimTime) {
        loop.count(kind, client: client)
        onEvent?(TimelineEvent(time: t, kind: kind, round: round, client: client))
    }

    /// The next event still meant to happen, whose time becomes `now`: a cancelled client's old
    /// events and an earlier round's deadline are passed over; a client's event is logged under
    /// `round` (a server's is left to the driver). Nil when nothing is scheduled.
    func nextEvent(round: Int) -> (time: SimTime, kind: EventKind, client: Int)? {
        guard let e = loop.next(round: round) else { return nil }
        if e.client >= 0 { onEvent?(TimelineEvent(time: e.time, kind: e.kind, round: round, client: e.client)) }
        return e
    }

    /// Round `round` ends at `t` for whoever is still on the way.
    func scheduleDeadline(at t: SimTime, round: Int) { loop.scheduleDeadline(at: t, round: round) }

    /// The bytes moved since the last call (one aggregation's), by client id.
    func takeTraffic() -> RoundTraffic { loop.takeTraffic(clients) }

    // MARK: A client's round

    /// Starts the planned clients at `t0` in `round` (the server version they download):
    /// trains those whose round is not lost (`work`) and schedules each one's download,
    /// training and upload, up to its failure or its going offline, whichever comes first.
    func start(_ plans: [Plan], round: Int, at t0: SimTime) throws {
        for (p, flops) in zip(plans, try work(plans, round: round)) {
            let c = clients[p.client]
            loop.schedule(p, c, compute: Self.micros(flops / c.device.flops * p.slowdown), round: round, at: t0)
        }
    }

    /// Client i's events still scheduled will not happen (it was dropped).
    func cancel(_ i: Int) { loop.cancel(i) }

    /// Client i's update arrived at `t`: its part in the round, as planned.
    func arrived(_ i: Int, at t: SimTime) -> Participation { loop.arrived(i, at: t) }
}
