import Tensor

/// A client as the scheduler sees it: its device and the size of its work.
public struct SimClient: Sendable, Equatable {
    public var device: DeviceProfile
    /// FLOPs of one local (expert) step (from `CostModel`).
    public var stepFlops: Double
    public var localSteps: Int
    /// Bytes of shared parameters each way per round.
    public var uploadBytes: Int
    public var downloadBytes: Int
    public var schedule: AvailabilitySchedule?
    /// CoMiGS's alternating schedule: after every `routerEvery`-th local step (counted over the
    /// run) the routers train in a burst of `routerBurstFlops`; 0 = no bursts.
    public var routerEvery: Int
    public var routerBurstFlops: Double

    public init(device: DeviceProfile, stepFlops: Double, localSteps: Int, uploadBytes: Int, downloadBytes: Int,
                schedule: AvailabilitySchedule? = nil, routerEvery: Int = 0, routerBurstFlops: Double = 0) {
        self.device = device
        self.stepFlops = stepFlops
        self.localSteps = localSteps
        self.uploadBytes = uploadBytes
        self.downloadBytes = downloadBytes
        self.schedule = schedule
        self.routerEvery = routerEvery
        self.routerBurstFlops = routerBurstFlops
    }

    /// FLOPs of `n` local steps after `done` earlier ones: the expert steps plus every router
    /// burst that falls among them (not an average: a round may hold a burst or not).
    public func flops(steps n: Int, after done: Int) -> Double {
        let bursts = routerEvery > 0 ? (done + n) / routerEvery - done / routerEvery : 0
        return Double(n) * stepFlops + Double(bursts) * routerBurstFlops
    }
}

public struct SimulationConfig: Sendable, Equatable {
    /// Aggregations to simulate (rounds; server versions under `async`).
    public var rounds: Int
    /// K clients per round (nil: all available); under `async`, the number training at once.
    public var clientsPerRound: Int?
    public var policy: RoundPolicy
    public var straggler: Straggler
    public var dropout: Dropout
    public var seed: UInt64
    /// How long the server waits before trying again when no client is available.
    public var idleWait: SimTime

    public init(rounds: Int, clientsPerRound: Int? = nil, policy: RoundPolicy = .sync, straggler: Straggler = .none,
                dropout: Dropout = Dropout(), seed: UInt64 = 0, idleWait: SimTime = 60_000_000) {
        self.rounds = rounds
        self.clientsPerRound = clientsPerRound
        self.policy = policy
        self.straggler = straggler
        self.dropout = dropout
        self.seed = seed
        self.idleWait = idleWait
    }
}

/// The numeric side of a simulation: real local training and aggregation.
public protocol SimulationNumerics: AnyObject {
    /// Trains each client for its steps (concurrently, in a worker pool) and
    /// returns the FLOPs each one measured, in input order.
    func train(_ work: [(client: Int, steps: Int)], round: Int) -> [Double]
    /// Combines what arrived (called at the aggregation event).
    func aggregate(_ outcome: RoundOutcome)
    /// The aggregation's round is over at its end time: what clients hold now is what a report
    /// of it sees (async: after the client that filled the buffer started again).
    func roundEnded(_ outcome: RoundOutcome)
    /// Asynchronous rounds: these clients start work now and download the current global.
    func launch(_ clients: [Int])
    /// Asynchronous rounds: the clock reached the end of this client's training.
    func trainingDone(_ client: Int)
    /// Asynchronous rounds: this client's update entered the server's buffer with `weight`.
    func uploaded(_ client: Int, weight: Double)
}

extension SimulationNumerics {
    public func roundEnded(_ outcome: RoundOutcome) {}
    public func launch(_ clients: [Int]) {}
    public func trainingDone(_ client: Int) {}
    public func uploaded(_ client: Int, weight: Double) {}
}

/// The discrete-event scheduler (DESIGN §5): rounds of download, local
/// training and upload per selected client, with stragglers, dropouts,
/// availability windows or traces and a round policy. Every random draw comes from a
/// stream of (seed, client, round), so the timeline never depends on the
/// order in which anything was computed.
public final class Simulation {
    public let clients: [SimClient]
    public let config: SimulationConfig
    /// Called for every event, in simulated-time order.
    public var onEvent: ((TimelineEvent) -> Void)?
    /// The real training, when numerics run (nil: cost-only mode).
    public var numerics: (any SimulationNumerics)?
    public private(set) var eventCount = 0
    public private(set) var now: SimTime = 0
    /// Local steps each client has trained (where its next router burst falls).
    public private(set) var stepsDone: [Int]
    /// Why an asynchronous run stopped before its last version, when it did: no update can
    /// reach the server any more (`noUpdatePossible`), or none did within `stallBound`; nil for
    /// a complete run.
    public private(set) var stalled: String?

    struct Pending {
        var kind: EventKind
        var client: Int32
        var round: Int32
        /// The client's generation when scheduled: a cancelled client's old events are skipped.
        var generation: UInt32
    }

    private var queue = EventQueue<Pending>()
    private let clientStreams: [RNG]
    private var selection: RNG
    private var generation: [UInt32]
    private var participation: [Participation?]

    public init(clients: [SimClient], config: SimulationConfig) {
        self.clients = clients
        self.config = config
        clientStreams = clients.indices.map { RNG(seed: config.seed, client: $0, stream: "heterogeneity") }
        selection = RNG(seed: config.seed, stream: "selection")
        generation = Array(repeating: 0, count: clients.count)
        participation = Array(repeating: nil, count: clients.count)
        stepsDone = Array(repeating: 0, count: clients.count)
    }

    private func log(_ kind: EventKind, _ round: Int, _ client: Int, at t: SimTime) {
        eventCount += 1
        onEvent?(TimelineEvent(time: t, kind: kind, round: round, client: client))
    }

    static func micros(_ seconds: Double) -> SimTime { SimTime((seconds * 1e6).rounded()) }

    /// The probability that client i is there for a chance: availability × (1 − unavailable).
    private func presence(_ i: Int) -> Double { clients[i].device.availability * (1 - config.dropout.unavailable) }

    /// Not dropped out for its `draw`-th chance.
    private func present(_ i: Int, draw: Int) -> Bool {
        var rng = clientStreams[i].split(draw).split(0)
        return rng.uniformDouble() < presence(i)
    }

    private func online(_ i: Int, at t: SimTime) -> Bool { clients[i].schedule?.isOn(at: t) ?? true }

    /// A client's round as drawn: slowdown, local steps, and whether (and where) it fails or
    /// leaves when its availability trace goes off.
    struct Plan {
        var client: Int
        var steps: Int
        var slowdown: Double
        var failPoint: Double?
        /// When the device goes offline before its upload ends (its update is lost).
        var offline: SimTime?
        /// Not one local step fits the partial deadline: timed as the full round it would run
        /// without `partial`, so it is still on its way at the deadline (its update is lost).
        var late = false
        /// A lost round trains nothing and its steps do not count.
        var lost: Bool { failPoint != nil || offline != nil || late }
    }

    /// Draws client i's slowdown and failure for its `draw`-th start, at `t0`. With a partial
    /// deadline `budget` (µs), the most local steps whose download, training (router bursts
    /// included) and upload end by it, timed exactly as `schedule` will time them; when not
    /// even one step fits, the plan is the one without `partial` (all its steps, `late`), so
    /// `partial` changes only the clients it lets send something. A device whose trace goes
    /// off before that round would end leaves then (decided here, from the cost model's time,
    /// so it trains nothing).
    private func plan(_ i: Int, draw: Int, at t0: SimTime, budget: SimTime? = nil) -> Plan {
        let c = clients[i]
        var rng = clientStreams[i].split(draw).split(1)
        let slowdown = config.straggler.slowdown(&rng)
        let fails = rng.uniformDouble() < config.dropout.failure
        let failPoint = rng.uniformDouble()
        var steps = c.localSteps, late = false
        let duration = { (n: Int) in self.roundTime(i, steps: n, slowdown: slowdown) }
        if let budget {
            while steps > 0 && duration(steps) > budget { steps -= 1 }
            if steps == 0 { (steps, late) = (c.localSteps, true) }
        }
        let off = c.schedule?.leaves(startingAt: t0)
        return Plan(client: i, steps: steps, slowdown: slowdown, failPoint: fails ? failPoint : nil,
                    offline: off.flatMap { t0 + duration(steps) > $0 ? $0 : nil }, late: late)
    }

    /// Client i's round of `n` local steps from now (its next router bursts included) at
    /// `slowdown`: download, training and upload, µs.
    private func roundTime(_ i: Int, steps n: Int, slowdown: Double) -> SimTime {
        transfer(i) + Self.micros(clients[i].flops(steps: n, after: stepsDone[i]) / clients[i].device.flops * slowdown)
    }

    /// Download + upload time of client i in µs.
    private func transfer(_ i: Int) -> SimTime {
        Self.micros(Double(clients[i].downloadBytes) / clients[i].device.download)
            + Self.micros(Double(clients[i].uploadBytes) / clients[i].device.upload)
    }

    /// Runs the numerics of the planned clients that will not fail (concurrently)
    /// and returns each plan's FLOPs: measured when numerics run, else the cost model's.
    /// A failing client loses the round's work: it trains nothing and its steps do not count.
    private func work(_ plans: [Plan], round: Int) -> [Double] {
        let expected = plans.map { clients[$0.client].flops(steps: $0.steps, after: stepsDone[$0.client]) }
        for p in plans where !p.lost { stepsDone[p.client] += p.steps }
        guard let numerics else { return expected }
        let trained = plans.filter { !$0.lost }
        let measured = numerics.train(trained.map { (client: $0.client, steps: $0.steps) }, round: round)
        var byClient: [Int: Double] = [:]
        for (p, f) in zip(trained, measured) { byClient[p.client] = f }
        return zip(plans, expected).map { byClient[$0.client] ?? $1 }
    }

    /// Schedules client i's download, training and upload from `t0` (up to its failure or its
    /// going offline, whichever comes first, if any).
    private func schedule(_ p: Plan, flops: Double, round: Int, at t0: SimTime, version: Int) {
        let i = p.client, c = clients[i]
        let dl = Self.micros(Double(c.downloadBytes) / c.device.download)
        let ul = Self.micros(Double(c.uploadBytes) / c.device.upload)
        let comp = Self.micros(flops / c.device.flops * p.slowdown)
        generation[i] &+= 1
        participation[i] = Participation(client: i, steps: p.steps, slowdown: p.slowdown, start: t0, arrival: nil,
                                         version: version, weight: 1)
        let marks: [(EventKind, SimTime)] = [(.downloadDone, t0 + dl), (.trainingDone, t0 + dl + comp), (.uploadDone, t0 + dl + comp + ul)]
        let failure = p.failPoint.map { (kind: EventKind.clientFailure, at: t0 + SimTime($0 * Double(dl + comp + ul))) }
        let offline = p.offline.map { (kind: EventKind.offline, at: $0) }
        let end = [failure, offline].compactMap { $0 }.min { $0.at < $1.at }
        for (kind, t) in marks {
            if let end, t > end.at { break }
            queue.schedule(at: t, Pending(kind: kind, client: Int32(i), round: Int32(round), generation: generation[i]))
        }
        if let end {
            queue.schedule(at: end.at, Pending(kind: end.kind, client: Int32(i), round: Int32(round), generation: generation[i]))
        }
    }

    private func cancel(_ i: Int) { generation[i] &+= 1 }

    /// Whether a run can continue from a round boundary (`run(after:)`): every
    /// policy but async, whose clients are always mid-training.
    public var resumable: Bool { if case .async = config.policy { false } else { true } }

    /// Whether `run` returns every round's outcome. A scenario run reads each outcome through
    /// `numerics` as its round ends and keeps none (false), so its memory does not grow with the
    /// number of rounds.
    public var keepsOutcomes = true

    /// Continues a run from the end of round `done` − 1, at time `now` with
    /// `events` logged. Between rounds nothing is in flight and every draw
    /// comes from (seed, client, round), so the rest is exactly what an
    /// uninterrupted run does.
    public func run(after done: Int, now: SimTime, events: Int, stepsDone: [Int]) -> [RoundOutcome] {
        precondition(resumable, "an async run cannot continue from a round boundary")
        precondition(stepsDone.count == clients.count, "steps for \(stepsDone.count) clients, the run has \(clients.count)")
        self.now = now
        self.stepsDone = stepsDone
        eventCount = events
        return runRounds(from: done)
    }

    /// Runs every round; returns one outcome per aggregation (none unless `keepsOutcomes`).
    public func run() -> [RoundOutcome] {
        if case .async(let b, let s) = config.policy { return runAsync(buffer: b, maxStaleness: s) }
        return runRounds(from: 0)
    }

    private func runRounds(from first: Int) -> [RoundOutcome] {
        var outcomes: [RoundOutcome] = []
        for r in first..<config.rounds {
            let outcome = runRound(r)
            if keepsOutcomes { outcomes.append(outcome) }
        }
        return outcomes
    }

    /// K of the candidates, by a seeded partial shuffle.
    private func choose(_ candidates: [Int], _ k: Int, round: Int) -> [Int] {
        var pool = candidates, rng = selection.split(round)
        let m = min(k, pool.count)
        if m == pool.count { return pool }
        for j in 0..<m { pool.swapAt(j, j + rng.int(below: pool.count - j)) }
        return pool[0..<m].sorted()
    }

    private func runRound(_ r: Int) -> RoundOutcome {
        // Who is there this round; if all of them are outside their windows,
        // the round waits for the first window to open.
        let present = clients.indices.filter { self.present($0, draw: r) }
        var t0 = now
        if !present.isEmpty && !present.contains(where: { online($0, at: t0) }) {
            t0 = present.map { clients[$0].schedule!.nextOn(after: t0) }.min()!
        }
        let available = present.filter { online($0, at: t0) }
        now = t0
        log(.roundStart, r, -1, at: t0)
        let k = config.clientsPerRound ?? clients.count
        let selected = choose(available, config.policy.selectionSize(k), round: r)
        var deadline: SimTime?
        var budget: SimTime?
        if case .deadline(let seconds, let partial) = config.policy {
            deadline = t0 + Self.micros(seconds)
            if partial { budget = Self.micros(seconds) }
        }
        var pending = 0
        var failed: [Int] = [], dropped: [Int] = [], arrived: [Participation] = []
        var waiting = [Bool](repeating: false, count: clients.count)  // started and not yet resolved
        let plans = selected.map { plan($0, draw: r, at: t0, budget: budget) }
        for (p, flops) in zip(plans, work(plans, round: r)) {
            schedule(p, flops: flops, round: r, at: t0, version: r)
            pending += 1
            waiting[p.client] = true
        }
        if let deadline { queue.schedule(at: deadline, Pending(kind: .deadline, client: -1, round: Int32(r), generation: 0)) }
        let keep: Int? = if case .overselect = config.policy { k } else { nil }
        /// Drops whoever is still on the way (in client-id order, so the log is deterministic).
        func dropWaiting(at t: SimTime) {
            for j in selected where waiting[j] {
                cancel(j)
                dropped.append(j)
                log(.dropped, r, j, at: t)
                waiting[j] = false
            }
            pending = 0
        }
        var end = t0
        while pending > 0, let (t, e) = queue.pop() {
            let i = Int(e.client)
            if e.kind == .deadline ? Int(e.round) != r : e.generation != generation[i] { continue }
            now = t
            end = t
            if e.kind == .deadline {
                dropWaiting(at: t)
                log(.deadline, r, -1, at: t)
                break
            }
            log(e.kind, r, i, at: t)
            switch e.kind {
            case .uploadDone:
                participation[i]!.arrival = t
                arrived.append(participation[i]!)
                waiting[i] = false
                pending -= 1
                if let keep, arrived.count == keep { dropWaiting(at: t) }
            case .clientFailure, .offline:
                failed.append(i)
                waiting[i] = false
                pending -= 1
            default: break
            }
        }
        log(.aggregation, r, -1, at: end)
        now = end
        let outcome = RoundOutcome(round: r, start: t0, end: end, selected: selected, arrived: Self.normalised(arrived),
                                   failed: failed.sorted(), dropped: dropped.sorted())
        numerics?.aggregate(outcome)
        numerics?.roundEnded(outcome)
        return outcome
    }

    /// Client-id order, weights summing to 1 over what arrived.
    static func normalised(_ arrived: [Participation]) -> [Participation] {
        let total = arrived.reduce(0) { $0 + $1.weight }
        return arrived.sorted { $0.client < $1.client }.map { var p = $0; p.weight /= total; return p }
    }

    /// What keeps a client from ever delivering another update.
    enum Obstacle: Equatable {
        /// Never there: availability × (1 − unavailable) is 0.
        case absent
        /// Every round fails (failure probability 1).
        case failing
        /// No active stretch of its trace (µs) holds its next round even at the least slowdown.
        case shortStay(longest: SimTime, round: SimTime)
    }

    /// Why client i can never deliver another update, or nil when it can. Nothing here changes
    /// until one of its rounds completes (the step count that places its router bursts), and
    /// availability repeats every cycle, so this is a proof for all later time. (Staleness cannot
    /// block forever: without new versions none accrues.)
    func obstacle(_ i: Int) -> Obstacle? {
        if presence(i) <= 0 { return .absent }
        if config.dropout.failure >= 1 { return .failing }
        let round = roundTime(i, steps: clients[i].localSteps, slowdown: config.straggler.leastSlowdown)
        if let longest = clients[i].schedule?.longestStay, longest < round { return .shortStay(longest: longest, round: round) }
        return nil
    }

    /// Why no update can ever reach the server, every client having an `obstacle`.
    func noUpdatePossible() -> String {
        let obstacles = clients.indices.compactMap { i in obstacle(i).map { (i, $0) } }
        let seconds = { (t: SimTime) in String(format: "%.1f s", Double(t) / 1e6) }
        var reasons: [String] = []
        if obstacles.contains(where: { $0.1 == .failing }) { reasons.append("every round fails (failure probability 1)") }
        let absent = obstacles.filter { $0.1 == .absent }.map(\.0)
        if let first = absent.first {
            reasons.append("\(absent.count) client(s) are never there (availability × (1 − unavailable) is 0; client \(first))")
        }
        let short = obstacles.compactMap { i, o in if case .shortStay(let l, let r) = o { (i, l, r) } else { nil } }
        if let (i, l, r) = short.first {
            reasons.append("\(short.count) client(s) are never on long enough for a round (client \(i): its longest active stretch is "
                           + "\(seconds(l)), its round takes at least \(seconds(r)))")
        }
        return "no update can ever reach the server: " + reasons.joined(separator: "; ")
    }

    /// Cycles of the longest availability period in `stallBound`.
    public static let stallCycles = 1000

    /// The backstop for an asynchronous run that could still make progress but does not (rounds
    /// that keep ending just short of an update, or a vanishing chance of one): it stops when,
    /// since the last update entered the buffer, `rounds` client rounds ended or idle waits
    /// passed without one (1000 + 100·(clients + buffer)) and so did `time` (µs; `stallCycles`
    /// cycles of the longest availability period, 0 without one), so that a long off-period in
    /// a trace, however many waits it takes, is never a stall.
    public func stallBound(buffer: Int) -> (rounds: Int, time: SimTime) {
        (1000 + 100 * (clients.count + buffer), SimTime(Self.stallCycles) * (clients.compactMap { $0.schedule?.period }.max() ?? 0))
    }

    /// FedBuff: K clients train at a time; every `buffer` arrivals make a new
    /// server version; a finished or failed client's slot goes to another
    /// available idle client at once. Each update is weighted 1/√(1 + staleness)/K, not
    /// renormalised (Nguyen et al. 2022). A run stops (`stalled`) instead of running forever
    /// once no update can reach the server any more (every client has an `obstacle` and no
    /// round in flight will deliver one), or, failing that proof, after `stallBound`.
    private func runAsync(buffer b: Int, maxStaleness: Int) -> [RoundOutcome] {
        var version = 0, starts = [Int](repeating: 0, count: clients.count), draws = [Int](repeating: 0, count: clients.count)
        var busy = [Bool](repeating: false, count: clients.count)
        // Clients that can still deliver an update (no `obstacle`), and rounds in flight that will.
        var able = clients.indices.map { obstacle($0) == nil }, ableCount = able.filter { $0 }.count
        var delivering = [Bool](repeating: false, count: clients.count), arriving = 0
        func setAble(_ i: Int) {
            let can = obstacle(i) == nil
            ableCount += (can ? 1 : 0) - (able[i] ? 1 : 0)
            able[i] = can
        }
        var outcomes: [RoundOutcome] = []
        var buf: [Participation] = [], failed: [Int] = [], dropped: [Int] = [], selected: [Int] = []
        var roundStart: SimTime = 0
        var picker = selection.split(-1)
        /// Idle, inside its window, and present for its next draw (each check uses a fresh draw).
        func ready(_ i: Int, _ t: SimTime) -> Bool {
            guard !busy[i], online(i, at: t) else { return false }
            draws[i] += 1
            return present(i, draw: draws[i])
        }
        /// An idle, available client, marked busy (rejection sampling, bounded, then a scan).
        func pick(at t: SimTime) -> Int? {
            var found: Int?
            for _ in 0..<64 {
                let i = picker.int(below: clients.count)
                if ready(i, t) { found = i; break }
            }
            if found == nil { found = clients.indices.first { ready($0, t) } }
            if let i = found { busy[i] = true }
            return found
        }
        /// Starts these clients at t (each downloads the current global); their numerics
        /// run together on the worker pool and stay hidden until each one's training ends.
        func begin(_ ids: [Int], _ t: SimTime) {
            numerics?.launch(ids)
            let plans = ids.map { plan($0, draw: starts[$0], at: t) }
            for (p, flops) in zip(plans, work(plans, round: version)) {
                schedule(p, flops: flops, round: version, at: t, version: version)
                starts[p.client] += 1
                selected.append(p.client)
                if !p.lost {
                    delivering[p.client] = true
                    arriving += 1
                    // Its step count moved, and with it where its next router bursts fall.
                    setAble(p.client)
                }
            }
        }
        /// A round of client i ended (uploaded, failed or left).
        func ended(_ i: Int) {
            if delivering[i] { delivering[i] = false; arriving -= 1 }
        }
        func launch(at t: SimTime) -> Bool {
            guard let i = pick(at: t) else { return false }
            begin([i], t)
            return true
        }
        log(.roundStart, 0, -1, at: 0)
        let k = min(config.clientsPerRound ?? clients.count, clients.count)
        let first = (0..<k).compactMap { _ in pick(at: 0) }
        begin(first, 0)
        var running = first.count
        var fruitless = 0, progress: SimTime = 0  // rounds ended and idle waits since the last update entered the buffer, and when
        let bound = stallBound(buffer: b)
        let at = { "version \(version) of \(self.config.rounds), simulated time \(String(format: "%.1f", Double(self.now) / 1e6)) s" }
        while version < config.rounds {
            if arriving == 0 && ableCount == 0 {
                stalled = noUpdatePossible() + " (\(at()))"
                break
            }
            if fruitless >= bound.rounds && now - progress >= bound.time {
                stalled = "no update reached the server in \(bound.rounds) client rounds or idle waits in a row"
                    + (bound.time > 0 ? " and \(String(format: "%.1f", Double(bound.time) / 3.6e9)) h of simulated time "
                        + "(\(Self.stallCycles) cycles of the longest availability period)" : "") + " (\(at()))"
                break
            }
            guard let (t, e) = queue.pop() else {
                // Nobody is training: wait for a window to open (or idleWait), then fill the slots.
                let opens = clients.compactMap { $0.schedule?.nextOn(after: now + 1) }.min()
                guard config.idleWait > 0 || opens != nil else { break }
                now = min(opens ?? .max, now + config.idleWait)
                fruitless += 1
                for _ in 0..<k where launch(at: now) { running += 1 }
                continue
            }
            let i = Int(e.client)
            guard e.generation == generation[i] else { continue }
            now = t
            log(e.kind, version, i, at: t)
            switch e.kind {
            case .trainingDone:
                numerics?.trainingDone(i)
            case .uploadDone, .clientFailure, .offline:
                busy[i] = false
                running -= 1
                fruitless += 1
                ended(i)
                if e.kind != .uploadDone {
                    failed.append(i)
                } else {
                    var p = participation[i]!
                    p.arrival = t
                    let staleness = version - p.version
                    if staleness > maxStaleness {
                        dropped.append(i)
                        log(.dropped, version, i, at: t)
                    } else {
                        p.weight = RoundPolicy.stalenessWeight(staleness) / Double(b)
                        buf.append(p)
                        numerics?.uploaded(i, weight: p.weight)
                        fruitless = 0
                        progress = t
                    }
                }
                if buf.count == b {
                    log(.aggregation, version, -1, at: t)
                    let outcome = RoundOutcome(round: version, start: roundStart, end: t, selected: selected.sorted(),
                                               arrived: buf.sorted { ($0.client, $0.arrival ?? 0) < ($1.client, $1.arrival ?? 0) }, failed: failed.sorted(),
                                               dropped: dropped.sorted())
                    numerics?.aggregate(outcome)
                    if keepsOutcomes { outcomes.append(outcome) }
                    version += 1
                    roundStart = t
                    buf = []; failed = []; dropped = []; selected = []
                    if version == config.rounds {
                        numerics?.roundEnded(outcome)
                        break
                    }
                    log(.roundStart, version, -1, at: t)
                    // The client that filled the buffer starts again at once, from the new version;
                    // the round is reported after that, as everyone holds it at time t.
                    if launch(at: t) { running += 1 }
                    numerics?.roundEnded(outcome)
                    continue
                }
                if launch(at: t) { running += 1 }
            default: break
            }
        }
        return outcomes
    }
}
