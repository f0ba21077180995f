import Tensor

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

/// What decides a client's round: whether it is there, its plan, its time and its training.
extension Simulation {
    static func micros(_ seconds: Double) -> SimTime { SimTime((seconds * 1e6).rounded()) }

    /// The probability that client i is there for a chance: availability × (1 − unavailable).
    func presence(_ i: Int) -> Double { clients[i].device.availability * (1 - config.dropout.unavailable) }

    /// Not dropped out for its `draw`-th chance.
    func present(_ i: Int, draw: Int) -> Bool {
        var rng = clientStreams[i].split(draw).split(0)
        return rng.uniformDouble() < presence(i)
    }

    func online(_ i: Int, at t: SimTime) -> Bool { clients[i].schedule?.isOn(at: t) ?? true }

    /// K of the candidates, by a seeded partial shuffle.
    func choose(_ candidates: [Int], _ k: Int, round: Int) -> [Int] {
        var pool = candidates, rng = selection.split(round)
        let m = min(k, pool.count)
        if m == pool.count { return pool }
        for j in 0..<m { pool.swapAt(j, j + rng.int(below: pool.count - j)) }
        return pool[0..<m].sorted()
    }

    /// Draws client i's slowdown and failure for its `draw`-th start, at `t0`. With a partial
    /// deadline `budget` (µs), the most local steps whose download, training (router bursts
    /// included) and upload end by it, timed exactly as `start` will time them; when not
    /// even one step fits, the plan is the one without `partial` (all its steps, `late`), so
    /// `partial` changes only the clients it lets send something. A device whose trace goes
    /// off before that round would end leaves then (decided here, from the cost model's time,
    /// so it trains nothing).
    func plan(_ i: Int, draw: Int, at t0: SimTime, budget: SimTime? = nil) -> Plan {
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
    func roundTime(_ i: Int, steps n: Int, slowdown: Double) -> SimTime {
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
    func work(_ plans: [Plan], round: Int) throws -> [Double] {
        let expected = plans.map { clients[$0.client].flops(steps: $0.steps, after: stepsDone[$0.client]) }
        for p in plans where !p.lost { stepsDone[p.client] += p.steps }
        guard let numerics else { return expected }
        let trained = plans.filter { !$0.lost }
        let measured = try numerics.train(trained.map { (client: $0.client, steps: $0.steps) }, round: round)
        var byClient: [Int: Double] = [:]
        for (p, f) in zip(trained, measured) { byClient[p.client] = f }
        return zip(plans, expected).map { byClient[$0.client] ?? $1 }
    }
}
