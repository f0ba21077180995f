/// The clock and what is scheduled on it: the event queue, each client's generation (which of
/// its events still stand) and its current part, the event count and the round's transfers.
/// One value, so that the simulation touches its mutable state once per event (a class's stored
/// properties are each checked for exclusive access at run time).
struct EventLoop {
    struct Pending {
        var kind: EventKind
        var client: Int32
        var round: Int32
        /// The client's generation when scheduled: a cancelled client's old events are skipped.
        var generation: UInt32
    }

    /// What the loop keeps per client, side by side so that an event finds it in one place (a
    /// population's worth of separate arrays costs a cache miss each): the generation of its
    /// events that still stand and its transfers finished this round.
    private struct Line {
        var generation: UInt32 = 0
        var downloads: UInt32 = 0
        var uploads: UInt32 = 0
    }

    var now: SimTime = 0
    /// Events logged.
    var eventCount = 0
    private var queue = EventQueue<Pending>()
    private var lines: [Line]
    private var participation: [Participation?]
    /// Clients with a transfer finished this round, in event order.
    private var moved: [Int] = []

    init(clients n: Int) {
        lines = Array(repeating: Line(), count: n)
        participation = Array(repeating: nil, count: n)
    }

    /// Counts a logged event, and a finished download or upload towards the round's traffic.
    mutating func count(_ kind: EventKind, client: Int) {
        eventCount += 1
        guard kind == .downloadDone || kind == .uploadDone else { return }
        if lines[client].downloads == 0 && lines[client].uploads == 0 { moved.append(client) }
        if kind == .downloadDone { lines[client].downloads += 1 } else { lines[client].uploads += 1 }
    }

    /// The bytes moved since the last call (one aggregation's), by client id; the count starts
    /// again from zero. Sorts the clients that moved, or, when they are many, reads them off in
    /// id order (cheaper then).
    mutating func takeTraffic(_ clients: [SimClient]) -> RoundTraffic {
        if moved.count * 16 < lines.count {
            moved.sort()
        } else {
            moved.removeAll(keepingCapacity: true)
            for c in lines.indices where lines[c].downloads > 0 || lines[c].uploads > 0 { moved.append(c) }
        }
        let traffic = RoundTraffic(perClient: moved.map { c in
            RoundTraffic.ClientBytes(client: c, up: Int(lines[c].uploads) * clients[c].uploadBytes,
                                     down: Int(lines[c].downloads) * clients[c].downloadBytes)
        })
        for c in moved { (lines[c].downloads, lines[c].uploads) = (0, 0) }
        moved.removeAll(keepingCapacity: true)
        return traffic
    }

    /// The next event still meant to happen, whose time becomes `now`: a cancelled client's old
    /// events and an earlier round's deadline are passed over. A client's event is counted
    /// (`count`); a server's is left to its driver. Nil when nothing is scheduled.
    mutating func next(round: Int) -> (time: SimTime, kind: EventKind, client: Int)? {
        while let (t, e) = queue.pop() {
            let i = Int(e.client)
            guard i < 0 ? Int(e.round) == round : e.generation == lines[i].generation else { continue }
            now = t
            if i >= 0 { count(e.kind, client: i) }
            return (t, e.kind, i)
        }
        return nil
    }

    /// Schedules client i's download, training (`compute` µs) and upload from `t0` in `round`,
    /// up to its failure or its going offline, whichever comes first, if any.
    mutating func schedule(_ p: Plan, _ c: SimClient, compute: SimTime, round: Int, at t0: SimTime) {
        let i = p.client
        let dl = Simulation.micros(Double(c.downloadBytes) / c.device.download)
        let ul = Simulation.micros(Double(c.uploadBytes) / c.device.upload)
        lines[i].generation &+= 1
        participation[i] = Participation(client: i, steps: p.steps, slowdown: p.slowdown, start: t0, arrival: nil,
                                         version: round, weight: 1)
        let marks: [(EventKind, SimTime)] = [(.downloadDone, t0 + dl), (.trainingDone, t0 + dl + compute),
                                             (.uploadDone, t0 + dl + compute + ul)]
        let failure = p.failPoint.map { (kind: EventKind.clientFailure, at: t0 + SimTime($0 * Double(dl + compute + ul))) }
        let offline = p.offline.map { (kind: EventKind.offline, at: $0) }
        let end = [failure, offline].compactMap { $0 }.min { $0.at < $1.at }
        for (kind, t) in marks {
            if let end, t > end.at { break }
            queue.schedule(at: t, Pending(kind: kind, client: Int32(i), round: Int32(round), generation: lines[i].generation))
        }
        if let end {
            queue.schedule(at: end.at, Pending(kind: end.kind, client: Int32(i), round: Int32(round), generation: lines[i].generation))
        }
    }

    /// Round `round` ends at `t` for whoever is still on the way.
    mutating func scheduleDeadline(at t: SimTime, round: Int) {
        queue.schedule(at: t, Pending(kind: .deadline, client: -1, round: Int32(round), generation: 0))
    }

    /// Client i's events still scheduled will not happen (it was dropped).
    mutating func cancel(_ i: Int) { lines[i].generation &+= 1 }

    /// Client i's update arrived at `t`: its part in the round, as planned.
    mutating func arrived(_ i: Int, at t: SimTime) -> Participation {
        participation[i]!.arrival = t
        return participation[i]!
    }

}
