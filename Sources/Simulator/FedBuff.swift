import Tensor

/// What a reader of a client sees of its training: every trainable value, the step counter
/// and the last loss. Under asynchronous rounds, training finished ahead of the simulated
/// clock is kept in this form until the clock reaches it.
struct TrainedState {
    var values: [[Float]]
    var steps: Int
    var lastLoss: Double?
}

/// How the server combines updates, chosen when a federation is built.
public enum ServerMode: Sendable, Equatable {
    /// Each round's arrivals through the strategy's aggregator (every policy but `async`).
    case synchronous
    /// FedBuff: buffered, staleness-weighted deltas on a global that clients download when
    /// they start (the `async` policy).
    case fedBuff

    /// The server `policy` needs.
    public init(_ policy: RoundPolicy) {
        if case .async = policy { self = .fedBuff } else { self = .synchronous }
    }
}

/// FedBuff's server state: the global values (in shared-parameter order) and the weighted
/// deltas buffered since the last version.
struct FedBuffServer {
    var global: [Tensor]
    var buffer: [(weight: Double, delta: [Tensor])] = []

    /// x ← x + Σ weight·Δ over the buffer, in arrival order.
    mutating func apply() {
        for (w, delta) in buffer { for (g, d) in zip(global, delta) { g.add(d, scale: Float(w)) } }
        buffer = []
    }
}

/// FedBuff (Nguyen et al., AISTATS 2022, Algorithm 1) on the federation: a client starting work
/// downloads the server's current global; its update is the delta from that download; the
/// server buffers arriving deltas with weight 1/√(1 + staleness) and, when the buffer holds K,
/// moves the global by their weighted sum divided by K (server learning rate 1):
/// x ← x + (1/K)·Σ_i Δ_i/√(1 + s_i). Clients in flight are never written; an idle client keeps
/// what it trained until it starts again. Only averaging servers apply (`Aggregator.averagesUpdates`).
/// A federation built with `server: .fedBuff` runs these; a synchronous one refuses `launch`.
extension Federation {
    /// Clients start work: each downloads the current global into its shared parameters.
    public func launch(_ ids: [Int]) {
        guard let global = fedBuff?.global else {
            preconditionFailure("asynchronous rounds on a synchronous federation (build it with server: .fedBuff)")
        }
        for i in ids where !clients[i].shared.isEmpty {
            for (p, g) in zip(clients[i].shared, global) { p.value.copy(from: g) }
            clients[i].recordReceived()
        }
    }

    /// The simulated clock reached the end of client i's training: its result becomes visible.
    public func trainingDone(_ i: Int) {
        guard fedBuff != nil, let hidden = clients[i].hidden else { return }
        clients[i].show(hidden)
        clients[i].hidden = nil
    }

    /// Client i's update reached the server and enters the buffer with `weight` (already
    /// 1/√(1 + staleness) / K).
    public func uploaded(_ i: Int, weight: Double) {
        guard fedBuff != nil, let update = clients[i].update else { return }
        fedBuff!.buffer.append((weight, update))
        clients[i].update = nil
    }

    /// The server's current global values (FedBuff), in shared-parameter order; empty for a
    /// synchronous server.
    public var globalValues: [Tensor] { fedBuff?.global ?? [] }
}
