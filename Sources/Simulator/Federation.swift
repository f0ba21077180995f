import Tensor

/// Local-training hyperparameters (DESIGN §4 defaults: batch 64 in micro-batches
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
    let optimizer: AdamW
    let data: ClientData
    var rng: RNG
    var steps = 0
    /// The parameters that travel, in model order.
    let shared: [Parameter]

    init(model: GPT, optimizer: AdamW, data: ClientData, rng: RNG, shared: [Parameter]) {
        self.model = model
        self.optimizer = optimizer
        self.data = data
        self.rng = rng
        self.shared = shared
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
    /// The server's copy of the shared parameters.
    let global: [Tensor]

    /// Every client starts from `base`'s weights (its base-role parameters)
    /// with adapters from (seed, client) and then the common global values of
    /// the shared ones, as a FedAvg server would send round 0.
    public init(base: GPT, data: [ClientData], strategy: any CollaborationStrategy, training: TrainingConfig,
                seed: UInt64, workers: Int) throws {
        self.strategy = strategy
        self.training = training
        pool = WorkerPool(workers: workers)
        let baseValues = base.parameters.filter { $0.role == .base }
        clients = try data.indices.map { i in
            let model = try GPT(config: base.config, adapters: strategy.adapters(client: i),
                                rng: RNG(seed: seed, client: i, stream: "adapters"))
            for (p, b) in zip(model.parameters.filter { $0.role == .base }, baseValues) {
                precondition(p.name == b.name)
                p.value.copy(from: b.value)
            }
            return ClientState(model: model, optimizer: AdamW(model.trainableParameters, config: training.adamW),
                               data: data[i], rng: RNG(seed: seed, client: i, stream: "batches"),
                               shared: model.parameters.filter { strategy.shares($0.role) })
        }
        let first = try GPT(config: base.config, adapters: strategy.adapters(client: 0), rng: RNG(seed: seed, stream: "global"))
        global = first.parameters.filter { strategy.shares($0.role) }.map { $0.value.clone() }
        broadcast()
    }

    public var count: Int { clients.count }
    public func model(_ i: Int) -> GPT { clients[i].model }

    /// Bytes of the parameters that travel one way for client i (float32).
    public func sharedBytes(_ i: Int) -> Int { 4 * clients[i].shared.reduce(0) { $0 + $1.value.count } }

    func broadcast() {
        for c in clients { for (p, g) in zip(c.shared, global) { p.value.copy(from: g) } }
    }

    public func train(_ work: [(client: Int, steps: Int)], round: Int) -> [Double] {
        let clients = self.clients, training = self.training
        return pool.map(Array(work.indices)) { j in
            Self.localTraining(clients[work[j].client], steps: work[j].steps, training: training)
        }
    }

    /// `steps` optimisation steps of batch `batch` in micro-batches; returns the FLOPs done.
    static func localTraining(_ c: ClientState, steps: Int, training t: TrainingConfig) -> Double {
        let time = t.time ?? c.model.config.blockSize
        let schedule = LRSchedule.cosine(peak: t.lr, steps: t.totalSteps)
        c.model.flops.flops = 0
        for _ in 0..<steps {
            let micro = (0..<max(1, t.batch / t.microBatch)).map { _ in
                c.data.batch(.train, batch: t.microBatch, time: time, rng: &c.rng)
            }
            // A non-finite loss stops this client's training for the round (reported by the run).
            guard (try? Trainer.accumulate(c.model, micro: micro, lambdaLB: t.lambdaLB)) != nil else { break }
            c.optimizer.step(lr: schedule.lr(at: c.steps))
            c.steps += 1
        }
        return Double(c.model.flops.flops)
    }

    public func aggregate(_ outcome: RoundOutcome) {
        guard !global.isEmpty, !outcome.arrived.isEmpty else { return }
        let arrivals = outcome.arrived.map { p in (weight: p.weight, tensors: clients[p.client].shared.map(\.value)) }
        strategy.aggregator.combine(arrivals, into: global)
        broadcast()
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
