/// What to simulate: how many aggregations, who takes part, the round policy, the heterogeneity
/// and the seed every random draw comes from.
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
