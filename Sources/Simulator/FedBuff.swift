import Tensor

/// What a reader of a client sees of its training: every trainable value, the step counter
/// and the last loss. Under asynchronous rounds, training finished ahead of the simulated
/// clock is kept in this form until the clock reaches it.
struct TrainedState {
    var values: [[Float]]
    var steps: Int
    var lastLoss: Double?
}

/// FLOPs a local training measured: in all, of its first expert step and of its first router
/// burst (nil when it had none).
struct TrainingFlops {
    var total: Int
    var step: Int?
    var burst: Int?
}

/// The FLOPs of one expert step and of one router burst of an adapter layout, as measured.
struct StepFlops {
    var step: Int
    var burst: Int?

    /// `n` steps after `done` earlier ones, with a burst after every `every`-th step (counted over
    /// the run; nil: no bursts), as `SimClient.flops` counts them; nil while a burst falls among
    /// them and none has been measured.
    func flops(steps n: Int, after done: Int, every: Int?) -> Double? {
        let bursts = every.map { (done + n) / $0 - done / $0 } ?? 0
        if bursts == 0 { return Double(n * step) }
        return burst.map { Double(n * step + bursts * $0) }
    }
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

    /// Leaves client i's training for later, returning its FLOPs, when they are known without it:
    /// every expert sees every token (`AdapterConfig.fixedWork`), so a step's products do not
    /// depend on the data and the FLOPs measured once for this layout (`stepFlops`) hold. The
    /// scheduler needs only the FLOPs now, and nothing touches a client in flight before its
    /// training ends, so the result is the same whenever it is computed; clients launched one at
    /// a time, as FedBuff launches them, are then computed together (`trainDeferred`). Nil: train now.
    func postpone(_ w: (client: Int, steps: Int), round: Int) -> Double? {
        let c = clients[w.client]
        guard fedBuff != nil, c.adapters.fixedWork,
              let flops = stepFlops[c.adapters]?.flops(steps: w.steps, after: c.steps, every: strategy.routerSchedule?.every) else { return nil }
        deferred.append((w.client, w.steps, round, flops))
        return flops
    }

    /// Computes every deferred training at once, hidden as `train` hides it. Its FLOPs must be
    /// those the scheduler already used (a client whose training diverged stops early and is reported).
    func trainDeferred() {
        let batch = deferred
        deferred = []
        let measured = compute(batch.map { ($0.client, $0.steps) }, rounds: batch.map(\.round))
        for (w, f) in zip(batch, measured) where clients[w.client].failure == nil {
            precondition(f == w.flops, "client \(w.client): \(f) FLOPs measured, \(w.flops) expected from an earlier step")
        }
    }

    /// Keeps what a finished training measured of a step, for layouts whose work is fixed.
    func learn(_ f: TrainingFlops, of c: ClientState) {
        guard c.adapters.fixedWork, c.failure == nil, let step = f.step else { return }
        stepFlops[c.adapters, default: StepFlops(step: step)].burst = stepFlops[c.adapters]?.burst ?? f.burst
    }

    /// The simulated clock reached the end of client i's training: its result becomes visible
    /// (computed now if it was deferred, with every other deferred one).
    public func trainingDone(_ i: Int) {
        if deferred.contains(where: { $0.client == i }) { trainDeferred() }
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
