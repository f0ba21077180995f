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

/// The real training of a simulation: every client fine-tunes its own model
/// on its own data; the strategy says what travels and the aggregator how the
/// server combines it. After an aggregation the new global values reach every
/// client (the download at its next round start is charged by the scheduler).
public final class Federation: SimulationNumerics, @unchecked Sendable {
    public let strategy: any CollaborationStrategy
    public let training: TrainingConfig
    /// Each client's model, lent from a worker's shell on the one frozen base.
    public let models: ClientModels
    public var pool: WorkerPool { models.pool }
    var clients: [ClientState] { models.clients }
    public var clientCount: Int { clients.count }
    /// One server for the whole run (servers such as HetLoRA's keep state).
    let aggregator: any Aggregator
    /// FedBuff's server state when the federation was built with `server: .fedBuff` (how the
    /// server combines updates is fixed at construction), else nil.
    var fedBuff: FedBuffServer?
    /// FedBuff: launched clients' training not computed yet (`postpone`), in launch order.
    var deferred: [(client: Int, steps: Int, round: Int, flops: Double)] = []
    /// The FLOPs of a step measured for each adapter layout whose work does not depend on the data.
    var stepFlops: [AdapterConfig: StepFlops] = [:]
    /// What a synchronous averaging server last sent every client, held once (`broadcasts`), when
    /// the clients also start from common shared values: each client holds these tensors by
    /// reference until it trains. Never written in place.
    private(set) var broadcast: [Tensor]?

    /// Every client starts from `base`'s weights (shared, never copied: `base` must not change
    /// while the federation lives) with adapters from (seed, client) and then the common global
    /// values of the shared ones, as a FedAvg server would send round 0. `server` must match the
    /// round policy the federation runs under (`ServerMode(policy)`).
    public init(base: GPT, data: [ClientData], strategy: any CollaborationStrategy, training: TrainingConfig,
                seed: UInt64, workers: Int, server: ServerMode = .synchronous) throws {
        self.strategy = strategy
        var training = training
        if let b = strategy.batch { training.batch = b }
        self.training = training
        aggregator = strategy.aggregator
        // The server's adapters: what is shared starts from here, and so does what
        // starts in common (e.g. FFA-LoRA's frozen A).
        // At the largest rank: a client with a smaller one starts from its leading slots.
        let serverAdapters = data.indices.map { strategy.adapters(client: $0) }.max { $0.rank < $1.rank } ?? strategy.adapters(client: 0)
        let serverModel = try GPT(adapters: serverAdapters, rng: RNG(seed: seed, stream: "global"), base: base)
        let serverValues: [String: Tensor] = Dictionary(uniqueKeysWithValues: serverModel.parameters.map { ($0.name, $0.value) })
        var clients: [ClientState] = []
        var common = Self.broadcasts(strategy, server: server)
        for i in data.indices {
            let c = try Self.client(i, base: base, server: serverValues, data: data[i], strategy: strategy, training: training, seed: seed)
            // Adopted at once, so a large population never holds its round-0 values per client.
            if common, let b = broadcast ?? (c.sharedIndices.isEmpty ? nil : c.shared.map(\.value)),
               c.shared.count == b.count, zip(c.shared, b).allSatisfy({ $0.value.bitEqual($1) }) {
                broadcast = b
                c.adopt(b)
            } else if common {
                common = false
                broadcast = nil
                for earlier in clients { earlier.detach() }
            }
            clients.append(c)
        }
        models = ClientModels(base: base, clients: clients, pool: WorkerPool(workers: workers))
        // FedBuff's global starts from what the first client that shares received (round 0's values).
        if server == .fedBuff { fedBuff = FedBuffServer(global: clients.first { !$0.shared.isEmpty }?.lastReceived.map { $0.clone() } ?? []) }
    }

    /// Client i's own state: its adapters from (seed, client) on the shared base, the server's
    /// values for what starts in common, and what trains per the strategy.
    static func client(_ i: Int, base: GPT, server: [String: Tensor], data: ClientData, strategy: any CollaborationStrategy,
                       training: TrainingConfig, seed: UInt64) throws -> ClientState {
        let adapters = strategy.adapters(client: i)
        let own = try GPT(adapters: adapters, rng: RNG(seed: seed, client: i, stream: "adapters"), base: base).parameters(where: { $0 != .base })
        for p in own {
            p.requiresGrad = strategy.trains(p.role)
            if strategy.startsInCommon(p.role), let q = server[p.name] { copyLeadingSlots(q, into: p.value) }
        }
        return ClientState(own: own, adapters: adapters, data: data, rng: RNG(seed: seed, client: i, stream: "batches"),
                           strategy: strategy, adamW: training.adamW)
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
    /// Client i's own parameters (its adapters and routers: every non-base one) whose role
    /// `keep` accepts, in model order.
    public func parameters(_ i: Int, where keep: (ParamRole) -> Bool = { _ in true }) -> [Parameter] { clients[i].own.filter { keep($0.role) } }
    /// Client i's adapter layout.
    public func adapters(_ i: Int) -> AdapterConfig { clients[i].adapters }

    /// Bytes of the parameters that travel one way for client i (float32).
    public func sharedBytes(_ i: Int) -> Int { 4 * clients[i].shared.reduce(0) { $0 + $1.value.count } }

    func sharedState(_ i: Int) -> SharedState {
        SharedState(client: i, rank: clients[i].rank, parameters: clients[i].shared, loraScale: clients[i].adapters.scale,
                    models: models, validation: clients[i].data.tokens[.valid] ?? [], received: clients[i].received)
    }

    /// Client i's shared state with its parameters holding `values` instead of its own.
    func sharedState(_ i: Int, holding values: [Tensor], received: [Tensor]) -> SharedState {
        var s = sharedState(i)
        s.parameters = zip(s.parameters, values).map { $0.holding($1) }
        s.received = received
        return s
    }

    /// Trains each client for its steps, concurrently, and returns the FLOPs each one measured.
    /// Under FedBuff (`server`) each result stays hidden until `trainingDone`, and training
    /// whose FLOPs are already known is not even computed before then (`postpone`).
    public func train(_ work: [(client: Int, steps: Int)], round: Int) -> [Double] {
        let later = work.map { postpone($0, round: round) }
        let now = zip(work, later).filter { $1 == nil }.map(\.0)
        var measured = compute(now, rounds: now.map { _ in round })[...]
        return later.map { $0 ?? measured.popFirst()! }
    }

    /// `work` on the pool, one task per client, returning each one's FLOPs; under FedBuff each
    /// result is hidden (`hide`). Learns the FLOPs of a step where they do not depend on the data.
    func compute(_ work: [(client: Int, steps: Int)], rounds: [Int]) -> [Double] {
        let models = self.models, training = self.training, strategy = self.strategy, hidden = fedBuff != nil
        let measured = pool.mapOnWorkers(Array(work.indices)) { j, w in
            let c = models.clients[work[j].client], before = hidden ? c.visibleState() : nil
            c.keepReceived()
            let flops = Self.localTraining(c, in: models.shell(worker: w, c.adapters), steps: work[j].steps, round: rounds[j],
                                           training: training, strategy: strategy)
            if let before { c.hide(showing: before) }
            return flops
        }
        for (w, f) in zip(work, measured) { learn(f, of: clients[w.client]) }
        return measured.map { Double($0.total) }
    }

    /// Client i's mean training loss in its last local training (nil before any).
    public func trainLoss(_ i: Int) -> Double? { clients[i].lastLoss }
    /// Local optimisation steps client i has taken.
    public func steps(_ i: Int) -> Int { clients[i].steps }
    /// Clients whose training hit a non-finite loss or gradient: (client, message).
    public var failures: [(client: Int, message: String)] {
        clients.indices.compactMap { i in clients[i].failure.map { (client: i, message: $0) } }
    }

    /// `steps` optimisation steps of batch `batch` in micro-batches, client `c` loaded into
    /// `shell` (and stored back after); returns the FLOPs done.
    /// With a router schedule, each step is an expert step (routers frozen) on
    /// training batches, and every `every` expert steps the routers alone take
    /// `iters` steps on batches of their split at constant lr.
    static func localTraining(_ c: ClientState, in shell: ModelShell, steps: Int, round: Int, training t: TrainingConfig,
                              strategy: any CollaborationStrategy) -> TrainingFlops {
        let schedule = strategy.routerSchedule, model = shell.model
        let leaks = schedule?.leaksGradients ?? false
        shell.load(c, gradients: leaks)
        defer { shell.store(into: c, gradients: leaks) }
        let experts = c.experts.map { shell.adapters[$0] }, routers = c.routers.map { shell.adapters[$0] }
        /// Which group computes gradients (CoMiGS freezes one while the other trains).
        func trains(experts e: Bool, routers r: Bool) {
            for p in experts { p.requiresGrad = e }
            for p in routers { p.requiresGrad = r }
        }
        let time = t.time ?? model.config.blockSize
        let cosine = LRSchedule.cosine(peak: t.lr, steps: t.totalSteps)
        model.flops.flops = 0
        var lossSum = 0.0, done = 0, stepFlops: Int?, burstFlops: Int?
        /// A non-finite loss or gradient stops this client for good; the run reports it.
        func attempt(_ micro: [TokenBatch], _ what: String) -> StepLoss? {
            do { return try Trainer.accumulate(model, micro: micro, lambdaLB: t.lambdaLB, zeroFirst: !leaks) } catch {
                c.failure = "round \(round), \(what) \(c.steps + 1): \(error)"
                return nil
            }
        }
        for _ in 0..<steps where c.failure == nil {
            if schedule != nil && !leaks { trains(experts: true, routers: false) }
            let f0 = model.flops.flops
            guard let loss = attempt(c.draw(.train, t, time: time), "step") else { break }
            stepFlops = stepFlops ?? model.flops.flops - f0
            lossSum += loss.ce
            done += 1
            strategy.regularize(model, ranks: c.rank.ranks)
            c.optimizer.step(lr: cosine.lr(at: c.steps), on: experts)
            if leaks { for p in experts { p.grad.zero() } }
            shell.maskPrunedSlots(c.rank.ranks)
            c.steps += 1
            if let schedule, let routerOptimizer = c.routerOptimizer, c.steps % schedule.every == 0 {
                if !leaks { trains(experts: false, routers: true) }
                let f0 = model.flops.flops
                for _ in 0..<schedule.iters {
                    guard attempt(c.draw(schedule.data, t, time: time), "router step after step") != nil else { break }
                    routerOptimizer.step(lr: t.lr, on: routers)
                    if leaks { for p in routers { p.grad.zero() } }
                }
                burstFlops = burstFlops ?? model.flops.flops - f0
            }
        }
        if done > 0 { c.lastLoss = lossSum / Double(done) }
        return TrainingFlops(total: model.flops.flops, step: stepFlops, burst: burstFlops)
    }

    public func aggregate(_ outcome: RoundOutcome) {
        guard clients.contains(where: { !$0.sharedIndices.isEmpty }) else { return }
        if fedBuff != nil { return fedBuff!.apply() }
        let arrivals = outcome.arrived.map { p in
            Arrival(weight: p.weight, dataSize: clients[p.client].data.count(.train), state: sharedState(p.client))
        }
        if let old = broadcast {
            // Every receiver would get the same values: combine them once, into a receiver of no client.
            let next = sharedState(0, holding: old.map { Tensor($0.shape) }, received: old)
            aggregator.combine(arrivals, into: [next], round: outcome.round)
            broadcast = next.parameters.map(\.value)
            for c in clients { c.adopt(broadcast!) }
            return
        }
        let receivers: [SharedState] = clients.indices.map { sharedState($0) }
        aggregator.combine(arrivals, into: receivers, round: outcome.round)
        for c in clients { c.recordReceived() }
    }

    /// Whether every client receives the same values from the server (a synchronous weighted
    /// mean), so that a common start and each aggregation can be held once (`broadcast`) — unless
    /// gradients carry over in the shared parameters.
    static func broadcasts(_ strategy: any CollaborationStrategy, server: ServerMode) -> Bool {
        server == .synchronous && strategy.aggregator.averagesUpdates && strategy.routerSchedule?.leaksGradients != true
    }

    /// Exact test loss of every client (concurrently).
    public func evaluate() -> [Evaluation.Result] {
        let clients = self.clients
        return models.map(Array(clients.indices)) { m, i in
            let test = clients[i].data.tokens[.test] ?? []
            return test.withUnsafeBufferPointer { Evaluation.evaluate(m, tokens: $0, context: m.config.blockSize) }
        }
    }
}
