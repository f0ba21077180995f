import Foundation

/// Whether an asynchronous run can still make progress. It stops with the proof that no
/// update can reach the server any more (every client has an `obstacle` and no round in flight
/// will deliver one), or, failing that proof, after `Simulation.stallBound`.
struct StallWatch {
    /// Clients that can still deliver an update (no `obstacle`), and how many.
    private var able: [Bool]
    private var ableCount: Int
    /// Rounds in flight that will deliver an update, by client, and how many.
    private var delivering: [Bool]
    private var arriving = 0
    /// Client rounds ended and idle waits since the last update entered the buffer, and when it did.
    private var fruitless = 0
    private var progress: SimTime = 0
    private let bound: (rounds: Int, time: SimTime)

    init(_ sim: Simulation, buffer: Int) {
        able = sim.clients.indices.map { sim.obstacle($0) == nil }
        ableCount = able.filter { $0 }.count
        delivering = Array(repeating: false, count: sim.clients.count)
        bound = sim.stallBound(buffer: buffer)
    }

    /// A client started a round as planned.
    mutating func started(_ p: Plan, in sim: Simulation) {
        guard !p.lost else { return }
        delivering[p.client] = true
        arriving += 1
        // Its step count moved, and with it where its next router bursts fall.
        let can = sim.obstacle(p.client) == nil
        ableCount += (can ? 1 : 0) - (able[p.client] ? 1 : 0)
        able[p.client] = can
    }

    /// A round of client i ended (uploaded, failed or left).
    mutating func ended(_ i: Int) {
        fruitless += 1
        if delivering[i] { delivering[i] = false; arriving -= 1 }
    }

    /// The server waited with nobody training.
    mutating func waited() { fruitless += 1 }

    /// An update entered the buffer at t.
    mutating func updated(at t: SimTime) {
        fruitless = 0
        progress = t
    }

    /// Why the run stops at `version`, or nil while it may still make progress.
    func stall(_ sim: Simulation, version: Int) -> String? {
        let stopsHere = arriving == 0 && ableCount == 0
        guard stopsHere || (fruitless >= bound.rounds && sim.now - progress >= bound.time) else { return nil }
        let at = " (version \(version) of \(sim.config.rounds), simulated time \(String(format: "%.1f", Double(sim.now) / 1e6)) s)"
        if stopsHere { return sim.noUpdatePossible() + at }
        return "no update reached the server in \(bound.rounds) client rounds or idle waits in a row"
            + (bound.time > 0 ? " and \(String(format: "%.1f", Double(bound.time) / 3.6e9)) h of simulated time "
                + "(\(Simulation.stallCycles) cycles of the longest availability period)" : "") + at
    }
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

extension Simulation {
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
}
