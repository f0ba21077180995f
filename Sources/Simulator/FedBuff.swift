import Tensor

/// What a reader of a client sees of its training: every trainable value, the step counter
/// and the last loss. Under asynchronous rounds, training finished ahead of the simulated
/// clock is kept in this form until the clock reaches it.
struct TrainedState {
    var values: [[Float]]
    var steps: Int
    var lastLoss: Double?
}

/// FedBuff (Nguyen et al., AISTATS 2022, Algorithm 1) on the federation: a client starting work
/// downloads the server's current global; its update is the delta from that download; the
/// server buffers arriving deltas with weight 1/√(1 + staleness) and, when the buffer holds K,
/// moves the global by their weighted sum divided by K (server learning rate 1):
/// x ← x + (1/K)·Σ_i Δ_i/√(1 + s_i). Clients in flight are never written; an idle client keeps
/// what it trained until it starts again. Only averaging servers apply (`Aggregator.averagesUpdates`).
extension Federation {
    /// Clients start work: each downloads the current global into its shared parameters.
    /// Only the asynchronous scheduler launches clients, so this also switches FedBuff on.
    public func launch(_ ids: [Int]) {
        asynchronous = true
        if global.isEmpty, let first = clients.first(where: { !$0.shared.isEmpty }) {
            global = first.received.map { $0.clone() }
        }
        for i in ids where !clients[i].shared.isEmpty {
            for (p, g) in zip(clients[i].shared, global) { p.value.copy(from: g) }
            clients[i].recordReceived()
        }
    }

    /// The simulated clock reached the end of client i's training: its result becomes visible.
    public func trainingDone(_ i: Int) {
        guard asynchronous, let hidden = clients[i].hidden else { return }
        clients[i].show(hidden)
        clients[i].hidden = nil
    }

    /// Client i's update reached the server and enters the buffer with `weight` (already
    /// 1/√(1 + staleness) / K).
    public func uploaded(_ i: Int, weight: Double) {
        guard asynchronous, let update = clients[i].update else { return }
        buffer.append((weight, update))
        clients[i].update = nil
    }

    /// x ← x + Σ weight·Δ over the buffer, in arrival order.
    func applyBuffer() {
        for (w, delta) in buffer { for (g, d) in zip(global, delta) { g.add(d, scale: Float(w)) } }
        buffer = []
    }

    /// The server's current global values (FedBuff), in shared-parameter order.
    public var globalValues: [Tensor] { global }
}
