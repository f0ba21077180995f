import Tensor

/// One client's own numeric state: what it keeps between rounds, and all an idle client costs —
/// its adapters and routers, optimizer moments, batch stream, step counters and what it last
/// received. It trains and is scored in a worker's `ModelShell`. Touched only by that client's task.
final class ClientState: @unchecked Sendable {
    /// Its adapters and routers (every non-base parameter), in model order; `requiresGrad` says
    /// what trains. Gradients are kept here only when they carry over between steps. While
    /// `onBroadcast`, its shared ones hold the federation's broadcast tensors, never written in place.
    private(set) var own: [Parameter]
    /// Whether the shared parameters hold the federation's broadcast (`adopt`) rather than values of its own.
    private(set) var onBroadcast = false
    let adapters: AdapterConfig
    let data: ClientData
    var rng: RNG
    /// Expert (optimisation) steps done over the whole run.
    var steps = 0
    /// Positions in `own` of the parameters that travel.
    let sharedIndices: [Int]
    /// The parameters that travel, in model order.
    var shared: [Parameter] { sharedIndices.map { own[$0] } }
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
    /// The shared values the server last sent (see `SharedState.received`); nil while they are
    /// exactly the current shared values (`recordReceived`), so an idle client holds them once.
    /// Training keeps a copy first (`keepReceived`), as it moves the shared values.
    var received: [Tensor]?
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
        sharedIndices = own.indices.filter { strategy.shares(own[$0].role) }
        let trainable = own.indices.filter { own[$0].requiresGrad }
        if strategy.routerSchedule != nil {
            experts = trainable.filter { own[$0].role != .router }
            routers = trainable.filter { own[$0].role == .router }
            optimizer = AdamW(layoutOf: experts.map { own[$0] }, config: adamW)
            // Its own state and steps, the same hyperparameters (weight decay 0.01 included).
            routerOptimizer = routers.isEmpty ? nil : AdamW(layoutOf: routers.map { own[$0] }, config: adamW)
        } else {
            experts = trainable
            routers = []
            optimizer = AdamW(layoutOf: trainable.map { own[$0] }, config: adamW)
            routerOptimizer = nil
        }
    }

    var trainable: [Parameter] { own.filter(\.requiresGrad) }

    func draw(_ split: ClientData.Split, _ t: TrainingConfig, time: Int) -> [TokenBatch] {
        batchesDrawn[split, default: 0] += max(1, t.batch / t.microBatch)
        let splits = data.loaded
        return (0..<max(1, t.batch / t.microBatch)).map { _ in splits.batch(split, batch: t.microBatch, time: time, rng: &rng) }
    }

    /// Keeps what training just produced (and the shared update against what was downloaded)
    /// for `trainingDone`, and shows `before` until then.
    func hide(showing before: TrainedState) {
        update = zip(shared, received!).map { p, r in
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

    /// What the server sent is what the shared parameters now hold.
    func recordReceived() { received = nil }

    /// Keeps what was received apart before training moves the shared values, which become its own.
    func keepReceived() {
        // A broadcast is never written in place: it can be kept by reference.
        if received == nil { received = onBroadcast ? shared.map(\.value) : shared.map { $0.value.clone() } }
        detach()
    }

    /// Holds `broadcast` (shared-parameter order) as its shared values, by reference: what every
    /// client received from an averaging server is held once (`Federation.broadcast`).
    func adopt(_ broadcast: [Tensor]) {
        for (k, t) in zip(sharedIndices, broadcast) { own[k] = own[k].holding(t) }
        onBroadcast = true
        received = nil
    }

    /// Gives the shared parameters values of their own (copies of the broadcast) before they are written.
    func detach() {
        guard onBroadcast else { return }
        for k in sharedIndices { own[k] = own[k].holding(own[k].value.clone()) }
        onBroadcast = false
    }

    /// The shared values the server last sent.
    var lastReceived: [Tensor] { received ?? shared.map(\.value) }
}
