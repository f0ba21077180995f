/// How a synchronous round selects, ends and counts updates: every `RoundPolicy` but `async`
/// as data for the one driver that runs them (`SyncRounds`).
struct RoundRule: Equatable {
    /// Clients a round selects (K, or K + extra under over-selection).
    var selected: Int
    /// Arrivals that end the round, whoever else is still on the way being dropped (over-selection:
    /// the first K); nil waits for every selected client.
    var waitFor: Int?
    /// Time from the round's start (µs) after which whoever is still on the way is dropped.
    var deadline: SimTime?
    /// Under `deadline`, a client stops after the local steps that fit and sends those.
    var partial = false

    /// The rule of `policy` for rounds that want `k` clients; nil for `async`, which has no rounds.
    init?(_ policy: RoundPolicy, clientsPerRound k: Int) {
        selected = policy.selectionSize(k)
        switch policy {
        case .sync: break
        case .deadline(let seconds, let partial):
            deadline = Simulation.micros(seconds)
            self.partial = partial
        case .overselect: waitFor = k
        case .async: return nil
        }
    }

    /// The time a client's whole round must fit (µs): the deadline when work is partial.
    var budget: SimTime? { partial ? deadline : nil }
}
