import Tensor

/// One client's own numeric state: what it keeps between rounds, and all an idle client costs —
/// its adapters and routers, optimizer moments, batch stream, step counters and what it last
/// received. It trains and is scored in a worker's `ModelShell`. Touched only by that client's task.
final class ClientState: @unchecked Sendable {
    /// Its adapters and routers (every non-base parameter), in model order; `requiresGrad` says
    /// what trains. Gradients are kept here only when they carry over between steps.
    let own: [Parameter]
    let adapters: AdapterConfig
    let data: ClientData
    var rng: RNG
    /// Expert (optimisation) steps done over the whole run.
    var steps = 0
    /// The parameters that travel, in model order.
    let shared: [Parameter]
    /// Positions in `own` of what each optimizer steps: with an alternating schedule the routers
    /// have their own parameters and optimizer; otherwise everything trains under `optimizer`.
    let experts: [Int]
    let routers: [Int]
    let optimizer: AdamW
    let routerOptimizer: AdamW?
    /// Micro-batches drawn from each split (what the optimizers actually read).
    var batchesDrawn: [ClientData.Split: Int] = [:]
    /// LoRA slots in use; slots past it stay exactly zero.
    let rank: ActiveRank
    /// Mean training loss of the last local training (nil before any).
    var lastLoss: Double?
    /// Why training stopped (a non-finite loss or gradient), naming round, step and parameter.
    var failure: String?
    /// The shared values the server last sent (see `SharedState.received`).
    var received: [Tensor] = []
    /// Asynchronous rounds: training computed ahead of its simulated end, not yet visible.
    var hidden: TrainedState?
    /// Asynchronous rounds: the shared update Δ = (shared values after training) − (what the
    /// client downloaded when it started), until its upload reaches the server.
    var update: [Tensor]?

    init(own: [Parameter], adapters: AdapterConfig, data: ClientData, rng: RNG, strategy: any CollaborationStrategy, adamW: AdamWConfig) {
        self.own = own
        self.adapters = adapters
        self.data = data
        self.rng = rng
        rank = ActiveRank(adapters.rank, locations: mlpLoRAPairs(own).count)
        shared = own.filter { strategy.shares($0.role) }
        let trainable = own.indices.filter { own[$0].requiresGrad }
        if strategy.routerSchedule != nil {
            experts = trainable.filter { own[$0].role != .router }
            routers = trainable.filter { own[$0].role == .router }
            optimizer = AdamW(experts.map { own[$0] }, config: adamW)
            // Its own state and steps, the same hyperparameters (weight decay 0.01 included).
            routerOptimizer = routers.isEmpty ? nil : AdamW(routers.map { own[$0] }, config: adamW)
        } else {
            experts = trainable
            routers = []
            optimizer = AdamW(trainable.map { own[$0] }, config: adamW)
            routerOptimizer = nil
        }
    }

    var trainable: [Parameter] { own.filter(\.requiresGrad) }

    func draw(_ split: ClientData.Split, _ t: TrainingConfig, time: Int) -> [TokenBatch] {
        batchesDrawn[split, default: 0] += max(1, t.batch / t.microBatch)
        return (0..<max(1, t.batch / t.microBatch)).map { _ in data.batch(split, batch: t.microBatch, time: time, rng: &rng) }
    }

    /// Keeps what training just produced (and the shared update against what was downloaded)
    /// for `trainingDone`, and shows `before` until then.
    func hide(showing before: TrainedState) {
        update = zip(shared, received).map { p, r in
            let d = p.value.clone()
            d.add(r, scale: -1)
            return d
        }
        hidden = visibleState()
        show(before)
    }

    /// The trainable values and counters that training changes and a reader sees.
    func visibleState() -> TrainedState {
        TrainedState(values: trainable.map { Array($0.value.buffer) }, steps: steps, lastLoss: lastLoss)
    }

    func show(_ s: TrainedState) {
        for (p, v) in zip(trainable, s.values) { v.withUnsafeBufferPointer { p.value.ptr.update(from: $0.baseAddress!, count: v.count) } }
        steps = s.steps
        lastLoss = s.lastLoss
    }

    /// Makes `received` equal to the current shared values.
    func recordReceived() {
        if received.isEmpty { received = shared.map { Tensor($0.value.shape) } }
        for (r, p) in zip(received, shared) { r.copy(from: p.value) }
    }
}
