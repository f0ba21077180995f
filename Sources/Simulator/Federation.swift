import Tensor

/// Local-training hyperparameters (docs/design.md §4 defaults: batch 64 in micro-batches
/// of 8, lr 2e-3 with cosine decay to lr/10 over all local steps of the run).
public struct TrainingConfig: Sendable, Equatable {
    public var batch = 64
    public var microBatch = 8
    /// Sequence length (nil: the model's context).
    public var time: Int?
    public var lr: Float = 2e-3
    public var lambdaLB: Float = 0.01
    /// Local steps of the whole run, for the cosine schedule.
    public var totalSteps: Int
    public var adamW = AdamWConfig()

    public init(totalSteps: Int) { self.totalSteps = totalSteps }
}

/// One client's numeric state: its model (frozen base + adapters), optimizer,
/// batch stream and step counter. Touched only by that client's task.
final class ClientState: @unchecked Sendable {
    let model: GPT
    let data: ClientData
    var rng: RNG
    /// Expert (optimisation) steps done over the whole run.
    var steps = 0
    /// The parameters that travel, in model order.
    let shared: [Parameter]
    /// With an alternating schedule the routers have their own parameters and
    /// optimizer; otherwise everything trains together under `optimizer`.
    let experts: [Parameter]
    let routers: [Parameter]
    /// The MLP LoRA (A, B) pairs, once: `maskPrunedSlots` runs after every step.
    let mlpPairs: [(a: Parameter, b: Parameter)]
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

    init(model: GPT, data: ClientData, rng: RNG, strategy: any CollaborationStrategy, adamW: AdamWConfig) {
        self.model = model
        self.data = data
        self.rng = rng
        mlpPairs = mlpLoRAPairs(model.parameters)
        rank = ActiveRank(model.adapters.rank, locations: mlpPairs.count)
        shared = model.parameters.filter { strategy.shares($0.role) }
        let trainable = model.trainableParameters
        if strategy.routerSchedule != nil {
            experts = trainable.filter { $0.role != .router }
            routers = trainable.filter { $0.role == .router }
            optimizer = AdamW(experts, config: adamW)
            // Its own state and steps, the same hyperparameters (weight decay 0.01 included).
            routerOptimizer = routers.isEmpty ? nil : AdamW(routers, config: adamW)
        } else {
            experts = trainable
            routers = []
            optimizer = AdamW(trainable, config: adamW)
            routerOptimizer = nil
        }
    }

    func draw(_ split: ClientData.Split, _ t: TrainingConfig, time: Int) -> [TokenBatch] {
        batchesDrawn[split, default: 0] += max(1, t.batch / t.microBatch)
        return (0..<max(1, t.batch / t.microBatch)).map { _ in data.batch(split, batch: t.microBatch, time: time, rng: &rng) }
    }

    /// Zeroes MLP LoRA slots past each location's active rank (after an optimizer step, whose
    /// moments would otherwise move them).
    func maskPrunedSlots() {
        let full = model.adapters.rank
        for ((a, b), r) in zip(mlpPairs, rank.ranks) where r < full {
            (a.value.ptr + r * a.value.shape[1]).update(repeating: 0, count: (full - r) * a.value.shape[1])
            for row in 0..<b.value.shape[0] { (b.value.ptr + row * full + r).update(repeating: 0, count: full - r) }
        }
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
        TrainedState(values: model.trainableParameters.map { Array($0.value.buffer) }, steps: steps, lastLoss: lastLoss)
    }

    func show(_ s: TrainedState) {
        for (p, v) in zip(model.trainableParameters, s.values) { v.withUnsafeBufferPointer { p.value.ptr.update(from: $0.baseAddress!, count: v.count) } }
        steps = s.steps
        lastLoss = s.lastLoss
    }

    /// Makes `received` equal to the current shared values.
    func recordReceived() {
        if received.isEmpty { received = shared.map { Tensor($0.value.shape) } }
        for (r, p) in zip(received, shared) { r.copy(from: p.value) }
    }

    /// Which group computes gradients (CoMiGS freezes one while the other trains).
    func trains(experts e: Bool, routers r: Bool) {
        for p in experts { p.requiresGrad = e }
        for p in routers { p.requiresGrad = r }
    }
}

/// The real training of a simulation: every client fine-tunes its own model
/// on its own data; the strategy says what travels and the aggregator how the
/// server combines it. After an aggregation the new global values reach every
/// client (the download at its next round start is charged by the scheduler).
public final class Federation: SimulationNumerics, @unchecked Sendable {
    public let strategy: any CollaborationStrategy
    public let training: TrainingConfig
    public let pool: WorkerPool
    let clients: [ClientState]
    public var clientCount: Int { clients.count }
    /// One server for the whole run (servers such as HetLoRA's keep state).
    let aggregator: any Aggregator
    /// FedBuff's server state when the federation was built with `server: .fedBuff` (how the
    /// server combines updates is fixed at construction), else nil.
    var fedBuff: FedBuffServer?

    /// Every client starts from `base`'s weights (its base-role parameters)
    /// with adapters from (seed, client) and then the common global values of
    /// the shared ones, as a FedAvg server would send round 0. `server` must match the
    /// round policy the federation runs under (`ServerMode(policy)`).
    public init(base: GPT, data: [ClientData], strategy: any CollaborationStrategy, training: TrainingConfig,
                seed: UInt64, workers: Int, server: ServerMode = .synchronous) throws {
        self.strategy = strategy
        var training = training
        if let b = strategy.batch { training.batch = b }
        self.training = training
        pool = WorkerPool(workers: workers)
        aggregator = strategy.aggregator
        // The server's model: what is shared starts from here, and so does what
        // starts in common (e.g. FFA-LoRA's frozen A).
        // At the largest rank: a client with a smaller one starts from its leading slots.
        let serverAdapters = data.indices.map { strategy.adapters(client: $0) }.max { $0.rank < $1.rank } ?? strategy.adapters(client: 0)
        let serverModel = try GPT(config: base.config, adapters: serverAdapters, rng: RNG(seed: seed, stream: "global"))
        var made: [ClientState] = []
        for i in data.indices {
            made.append(try Self.client(i, base: base, server: serverModel, data: data[i], strategy: strategy, training: training, seed: seed))
        }
        clients = made
        for c in clients { c.recordReceived() }
        // FedBuff's global starts from what the first client that shares received (round 0's values).
        if server == .fedBuff { fedBuff = FedBuffServer(global: clients.first { !$0.shared.isEmpty }?.received.map { $0.clone() } ?? []) }
    }

    /// Client i's model: the base's weights, its own adapters from (seed, client),
    /// the server's values for what starts in common, and what trains per the strategy.
    static func client(_ i: Int, base: GPT, server: GPT, data: ClientData, strategy: any CollaborationStrategy,
                       training: TrainingConfig, seed: UInt64) throws -> ClientState {
        let model = try GPT(config: base.config, adapters: strategy.adapters(client: i), rng: RNG(seed: seed, client: i, stream: "adapters"))
        let baseValues: [Parameter] = base.parameters.filter { $0.role == ParamRole.base }
        let ownBase: [Parameter] = model.parameters.filter { $0.role == ParamRole.base }
        for (p, b) in zip(ownBase, baseValues) {
            precondition(p.name == b.name)
            p.value.copy(from: b.value)
        }
        let serverValues: [String: Tensor] = Dictionary(uniqueKeysWithValues: server.parameters.map { ($0.name, $0.value) })
        for p in model.parameters where p.role != ParamRole.base {
            p.requiresGrad = strategy.trains(p.role)
            if strategy.startsInCommon(p.role), let q = serverValues[p.name] { copyLeadingSlots(q, into: p.value) }
        }
        return ClientState(model: model, data: data, rng: RNG(seed: seed, client: i, stream: "batches"), strategy: strategy,
                           adamW: training.adamW)
    }

    /// `q` into `p` when the shapes agree; a rank-r LoRA factor of a rank-R server (r ≤ R)
    /// takes the first r rows of A or the first r columns of B, as HetLoRA's and FlexLoRA's
    /// servers send a smaller rank.
    static func copyLeadingSlots(_ q: Tensor, into p: Tensor) {
        if q.shape == p.shape { return p.copy(from: q) }
        guard q.shape.count == 2, p.shape.count == 2 else { return }
        if q.shape[1] == p.shape[1], q.shape[0] >= p.shape[0] {
            p.ptr.update(from: q.ptr, count: p.count)
        } else if q.shape[0] == p.shape[0], q.shape[1] >= p.shape[1] {
            for row in 0..<p.shape[0] { (p.ptr + row * p.shape[1]).update(from: q.ptr + row * q.shape[1], count: p.shape[1]) }
        }
    }

    public var count: Int { clients.count }
    public func model(_ i: Int) -> GPT { clients[i].model }

    /// Bytes of the parameters that travel one way for client i (float32).
    public func sharedBytes(_ i: Int) -> Int { 4 * clients[i].shared.reduce(0) { $0 + $1.value.count } }

    func sharedState(_ i: Int) -> SharedState {
        SharedState(client: i, rank: clients[i].rank, parameters: clients[i].shared, loraScale: clients[i].model.adapters.scale,
                    model: clients[i].model, validation: clients[i].data.tokens[.valid] ?? [], received: clients[i].received)
    }

    /// Trains each client for its steps, concurrently. Under FedBuff (`server`) the
    /// result stays hidden until `trainingDone`: the scheduler computes it when the client
    /// starts (its measured FLOPs set its finishing time) but nobody may see it before then.
    public func train(_ work: [(client: Int, steps: Int)], round: Int) -> [Double] {
        let clients = self.clients, training = self.training, strategy = self.strategy, deferred = fedBuff != nil
        return pool.map(Array(work.indices)) { j in
            let c = clients[work[j].client], before = deferred ? c.visibleState() : nil
            let flops = Self.localTraining(c, steps: work[j].steps, round: round, training: training, strategy: strategy)
            if let before { c.hide(showing: before) }
            return flops
        }
    }

    /// Client i's mean training loss in its last local training (nil before any).
    public func trainLoss(_ i: Int) -> Double? { clients[i].lastLoss }
    /// Local optimisation steps client i has taken.
    public func steps(_ i: Int) -> Int { clients[i].steps }
    /// Clients whose training hit a non-finite loss or gradient: (client, message).
    public var failures: [(client: Int, message: String)] {
        clients.indices.compactMap { i in clients[i].failure.map { (client: i, message: $0) } }
    }

    /// `steps` optimisation steps of batch `batch` in micro-batches; returns the FLOPs done.
    /// With a router schedule, each step is an expert step (routers frozen) on
    /// training batches, and every `every` expert steps the routers alone take
    /// `iters` steps on batches of their split at constant lr.
    static func localTraining(_ c: ClientState, steps: Int, round: Int, training t: TrainingConfig,
                              strategy: any CollaborationStrategy) -> Double {
        let schedule = strategy.routerSchedule
        let time = t.time ?? c.model.config.blockSize
        let cosine = LRSchedule.cosine(peak: t.lr, steps: t.totalSteps)
        c.model.flops.flops = 0
        var lossSum = 0.0, done = 0
        /// A non-finite loss or gradient stops this client for good; the run reports it.
        let leaks = schedule?.leaksGradients ?? false
        func attempt(_ micro: [TokenBatch], _ what: String) -> StepLoss? {
            do { return try Trainer.accumulate(c.model, micro: micro, lambdaLB: t.lambdaLB, zeroFirst: !leaks) } catch {
                c.failure = "round \(round), \(what) \(c.steps + 1): \(error)"
                return nil
            }
        }
        for _ in 0..<steps where c.failure == nil {
            if schedule != nil && !leaks { c.trains(experts: true, routers: false) }
            guard let loss = attempt(c.draw(.train, t, time: time), "step") else { break }
            lossSum += loss.ce
            done += 1
            strategy.regularize(c.model, ranks: c.rank.ranks)
            c.optimizer.step(lr: cosine.lr(at: c.steps))
            if leaks { for p in c.experts { p.grad.zero() } }
            c.maskPrunedSlots()
            c.steps += 1
            if let schedule, let routerOptimizer = c.routerOptimizer, c.steps % schedule.every == 0 {
                if !leaks { c.trains(experts: false, routers: true) }
                for _ in 0..<schedule.iters {
                    guard attempt(c.draw(schedule.data, t, time: time), "router step after step") != nil else { break }
                    routerOptimizer.step(lr: t.lr)
                    if leaks { for p in c.routers { p.grad.zero() } }
                }
            }
        }
        if done > 0 { c.lastLoss = lossSum / Double(done) }
        if schedule != nil { c.trains(experts: true, routers: true) }
        return Double(c.model.flops.flops)
    }

    public func aggregate(_ outcome: RoundOutcome) {
        guard clients.contains(where: { !$0.shared.isEmpty }) else { return }
        if fedBuff != nil { return fedBuff!.apply() }
        let arrivals = outcome.arrived.map { p in
            Arrival(weight: p.weight, dataSize: clients[p.client].data.count(.train), state: sharedState(p.client))
        }
        let receivers: [SharedState] = clients.indices.map { sharedState($0) }
        aggregator.combine(arrivals, into: receivers, round: outcome.round)
        for c in clients { c.recordReceived() }
    }

    /// Exact test loss of every client (concurrently).
    public func evaluate() -> [Evaluation.Result] {
        let clients = self.clients
        return pool.map(Array(clients.indices)) { i in
            let c = clients[i], test = c.data.tokens[.test] ?? []
            return test.withUnsafeBufferPointer { Evaluation.evaluate(c.model, tokens: $0, context: c.model.config.blockSize) }
        }
    }
}
