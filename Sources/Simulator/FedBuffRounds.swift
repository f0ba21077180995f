import Tensor

/// FedBuff (the `async` policy) as a round driver: K clients train at a time; every `buffer`
/// arrivals make a new server version; a finished or failed client's slot goes to another
/// available idle client at once. Each update is weighted 1/√(1 + staleness)/K, not
/// renormalised (Nguyen et al. 2022). A run stops (`Simulation.stalled`) instead of running
/// forever once no update can reach the server any more, or none did for too long (`StallWatch`).
struct FedBuffRounds {
    let sim: Simulation
    let buffer: Int
    let maxStaleness: Int
    /// Clients training at once (K).
    let slots: Int
    private var version = 0
    /// Per client: rounds started (the draw its next plan takes) and presence draws made.
    private var starts: [Int]
    private var draws: [Int]
    private var busy: [Bool]
    private var picker: RNG
    private var watch: StallWatch
    private var open = OpenVersion(start: 0)
    private var outcomes: [RoundOutcome] = []

    init(_ sim: Simulation, buffer: Int, maxStaleness: Int) {
        self.sim = sim
        self.buffer = buffer
        self.maxStaleness = maxStaleness
        let n = sim.clients.count
        slots = min(sim.config.clientsPerRound ?? n, n)
        starts = Array(repeating: 0, count: n)
        draws = Array(repeating: 0, count: n)
        busy = Array(repeating: false, count: n)
        picker = sim.selection.split(-1)
        watch = StallWatch(sim, buffer: buffer)
    }

    /// Every version; its outcomes if the simulation keeps them.
    mutating func run() throws -> [RoundOutcome] {
        sim.log(.roundStart, 0, -1, at: 0)
        var first: [Int] = []
        for _ in 0..<slots { if let i = pick(at: 0) { first.append(i) } }
        try begin(first, at: 0)
        while version < sim.config.rounds {
            if let reason = watch.stall(sim, version: version) {
                sim.stalled = reason
                break
            }
            guard let (t, kind, i) = sim.nextEvent(round: version) else {
                guard try idle() else { break }
                continue
            }
            switch kind {
            case .trainingDone: try sim.numerics?.trainingDone(i)
            case .uploadDone, .clientFailure, .offline: try ended(i, kind, at: t)
            default: break
            }
        }
        return outcomes
    }

    /// Nobody is training: waits for a window to open (or `idleWait`), then fills the slots.
    /// False when there is nothing to wait for.
    private mutating func idle() throws -> Bool {
        let opens = sim.clients.compactMap { $0.schedule?.nextOn(after: sim.now + 1) }.min()
        guard sim.config.idleWait > 0 || opens != nil else { return false }
        sim.now = min(opens ?? .max, sim.now + sim.config.idleWait)
        watch.waited()
        for _ in 0..<slots { _ = try launch(at: sim.now) }
        return true
    }

    /// Client i's round ended at t (uploaded, failed or left): its update enters the buffer
    /// unless too stale; a full buffer makes a new version; the slot goes to another client.
    private mutating func ended(_ i: Int, _ kind: EventKind, at t: SimTime) throws {
        busy[i] = false
        watch.ended(i)
        if kind == .uploadDone { try arrived(i, at: t) } else { open.failed.append(i) }
        if open.updates.count == buffer { return try aggregate(at: t) }
        _ = try launch(at: t)
    }

    private mutating func arrived(_ i: Int, at t: SimTime) throws {
        var p = sim.arrived(i, at: t)
        let staleness = version - p.version
        guard staleness <= maxStaleness else {
            open.dropped.append(i)
            sim.log(.dropped, version, i, at: t)
            return
        }
        p.weight = RoundPolicy.stalenessWeight(staleness) / Double(buffer)
        open.updates.append(p)
        try sim.numerics?.uploaded(i, weight: p.weight)
        watch.updated(at: t)
    }

    /// The buffer is full at t: a new server version.
    private mutating func aggregate(at t: SimTime) throws {
        sim.log(.aggregation, version, -1, at: t)
        let outcome = open.outcome(version, end: t, traffic: sim.takeTraffic())
        try sim.numerics?.aggregate(outcome)
        if sim.keepsOutcomes { outcomes.append(outcome) }
        version += 1
        open = OpenVersion(start: t)
        if version < sim.config.rounds {
            sim.log(.roundStart, version, -1, at: t)
            // The client that filled the buffer starts again at once, from the new version;
            // the round is reported after that, as everyone holds it at time t.
            _ = try launch(at: t)
        }
        try sim.numerics?.roundEnded(outcome)
    }

    /// Starts an idle, available client at t, if there is one.
    private mutating func launch(at t: SimTime) throws -> Bool {
        guard let i = pick(at: t) else { return false }
        try begin([i], at: t)
        return true
    }

    /// Starts these clients at t (each downloads the current global); their numerics
    /// run together on the worker pool and stay hidden until each one's training ends.
    private mutating func begin(_ ids: [Int], at t: SimTime) throws {
        try sim.numerics?.launch(ids)
        let plans = ids.map { sim.plan($0, draw: starts[$0], at: t) }
        try sim.start(plans, round: version, at: t)
        for p in plans {
            starts[p.client] += 1
            open.selected.append(p.client)
            watch.started(p, in: sim)
        }
    }

    /// An idle, available client, marked busy (rejection sampling, bounded, then a scan).
    private mutating func pick(at t: SimTime) -> Int? {
        var found: Int?
        for _ in 0..<64 {
            let i = picker.int(below: sim.clients.count)
            if ready(i, t) { found = i; break }
        }
        if found == nil { for i in sim.clients.indices where ready(i, t) { found = i; break } }
        if let i = found { busy[i] = true }
        return found
    }

    /// Idle, inside its window, and present for its next draw (each check uses a fresh draw).
    private mutating func ready(_ i: Int, _ t: SimTime) -> Bool {
        guard !busy[i], sim.online(i, at: t) else { return false }
        draws[i] += 1
        return sim.present(i, draw: draws[i])
    }
}

/// The server version FedBuff is filling: the updates in its buffer and the clients that
/// failed, were dropped (too stale) or started since it began.
struct OpenVersion {
    var start: SimTime
    var updates: [Participation] = []
    var failed: [Int] = []
    var dropped: [Int] = []
    var selected: [Int] = []

    func outcome(_ version: Int, end: SimTime, traffic: RoundTraffic) -> RoundOutcome {
        RoundOutcome(round: version, start: start, end: end, selected: selected.sorted(),
                     arrived: updates.sorted { ($0.client, $0.arrival ?? 0) < ($1.client, $1.arrival ?? 0) },
                     failed: failed.sorted(), dropped: dropped.sorted(), traffic: traffic)
    }
}
