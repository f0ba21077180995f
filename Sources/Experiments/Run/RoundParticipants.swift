import Simulator

/// Who trained in the round under way, for `eval_clients: "participants"`: under the synchronous
/// policies the clients whose local training ran at the round's start (a client that fails or
/// leaves mid-round trains nothing; one dropped at a deadline did train); under the async policy,
/// whose clients train across versions, those whose training ran and ended in this version.
struct RoundParticipants {
    /// Async: a trained client counts once its training ends (`ended`).
    let deferred: Bool
    /// Async: clients whose training ran and has not ended yet.
    private var running = Set<Int>()
    private var trained: [Int] = []

    init(_ policy: RoundPolicy) {
        deferred = if case .async = policy { true } else { false }
    }

    /// These clients' local training ran (`SimulationNumerics.train`).
    mutating func ran(_ clients: [Int]) {
        if deferred { running.formUnion(clients) } else { trained += clients }
    }

    /// The clock reached the end of this client's training (async; a lost client's is ignored).
    mutating func ended(_ client: Int) {
        if running.remove(client) != nil { trained.append(client) }
    }

    /// The round's participants so far, ascending, each once.
    var clients: [Int] { Set(trained).sorted() }

    /// The round is over: the next one starts with no participants.
    mutating func roundEnded() { trained.removeAll(keepingCapacity: true) }
}
