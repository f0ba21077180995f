/// Synchronous rounds, the driver of every policy but `async`: each round takes the clients
/// present for it (waiting for the first availability window when none is on), selects
/// `rule.selected` of them, starts them together and aggregates when the last one is resolved,
/// `rule.waitFor` updates are in, or `rule.deadline` passes — whichever comes first.
struct SyncRounds {
    let sim: Simulation
    let rule: RoundRule
    /// Started this round and not yet resolved, by client id (false between rounds).
    private var waiting: [Bool]

    init(_ sim: Simulation, rule: RoundRule) {
        self.sim = sim
        self.rule = rule
        waiting = Array(repeating: false, count: sim.clients.count)
    }

    /// One round as it runs: who was selected, what became of them, and when it ended.
    private struct Round {
        let round: Int
        let start: SimTime
        let selected: [Int]
        /// Selected clients not yet resolved.
        var pending: Int
        var end: SimTime
        var arrived: [Participation] = []
        var failed: [Int] = []
        var dropped: [Int] = []
    }

    /// Rounds `first` to the last; their outcomes if the simulation keeps them.
    mutating func run(from first: Int) throws -> [RoundOutcome] {
        var outcomes: [RoundOutcome] = []
        for r in first..<sim.config.rounds {
            let outcome = try round(r)
            if sim.keepsOutcomes { outcomes.append(outcome) }
        }
        return outcomes
    }

    private mutating func round(_ r: Int) throws -> RoundOutcome {
        let (t0, available) = opening(r)
        sim.now = t0
        sim.log(.roundStart, r, -1, at: t0)
        let selected = sim.choose(available, rule.selected, round: r)
        let plans = selected.map { sim.plan($0, draw: r, at: t0, budget: rule.budget) }
        try sim.start(plans, round: r, at: t0)
        for p in plans { waiting[p.client] = true }
        if let deadline = rule.deadline { sim.scheduleDeadline(at: t0 + deadline, round: r) }
        var state = Round(round: r, start: t0, selected: selected, pending: plans.count, end: t0)
        collect(&state)
        return try aggregate(state)
    }

    /// When round r starts and who is available then: the clients present for their r-th chance;
    /// if all of them are outside their windows, the round waits for the first window to open.
    private func opening(_ r: Int) -> (start: SimTime, available: [Int]) {
        let present = sim.clients.indices.filter { sim.present($0, draw: r) }
        var t0 = sim.now
        if !present.isEmpty && !present.contains(where: { sim.online($0, at: t0) }) {
            t0 = present.map { sim.clients[$0].schedule!.nextOn(after: t0) }.min()!
        }
        return (t0, present.filter { sim.online($0, at: t0) })
    }

    /// Runs the round's events until every selected client is resolved or the rule ends it.
    private mutating func collect(_ s: inout Round) {
        while s.pending > 0, let (t, kind, i) = sim.nextEvent(round: s.round) {
            s.end = t
            switch kind {
            case .deadline:
                dropWaiting(&s, at: t)
                sim.log(.deadline, s.round, -1, at: t)
                return
            case .uploadDone:
                s.arrived.append(sim.arrived(i, at: t))
                resolve(i, &s)
                if let w = rule.waitFor, s.arrived.count == w { dropWaiting(&s, at: t) }
            case .clientFailure, .offline:
                s.failed.append(i)
                resolve(i, &s)
            default: break
            }
        }
    }

    private mutating func resolve(_ i: Int, _ s: inout Round) {
        waiting[i] = false
        s.pending -= 1
    }

    /// Drops whoever is still on the way (in client-id order, so the log is deterministic).
    private mutating func dropWaiting(_ s: inout Round, at t: SimTime) {
        for j in s.selected where waiting[j] {
            sim.cancel(j)
            s.dropped.append(j)
            sim.log(.dropped, s.round, j, at: t)
            waiting[j] = false
        }
        s.pending = 0
    }

    /// The aggregation at the round's end: its outcome, through `numerics`.
    private func aggregate(_ s: Round) throws -> RoundOutcome {
        sim.log(.aggregation, s.round, -1, at: s.end)
        sim.now = s.end
        let outcome = RoundOutcome(round: s.round, start: s.start, end: s.end, selected: s.selected, arrived: Self.normalised(s.arrived),
                                   failed: s.failed.sorted(), dropped: s.dropped.sorted(), traffic: sim.takeTraffic())
        try sim.numerics?.aggregate(outcome)
        try sim.numerics?.roundEnded(outcome)
        return outcome
    }

    /// Client-id order, weights summing to 1 over what arrived.
    static func normalised(_ arrived: [Participation]) -> [Participation] {
        let total = arrived.reduce(0) { $0 + $1.weight }
        return arrived.sorted { $0.client < $1.client }.map { var p = $0; p.weight /= total; return p }
    }
}
