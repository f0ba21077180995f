import Tensor

/// A worker's model for whichever client it serves (docs/design.md §5): the frozen base, held
/// once and shared read-only by every client and worker; its own activation and gradient buffers;
/// and adapter and router parameters that a client's values are loaded into while it trains or is
/// scored, and stored back from after it trains. Memory of models grows with the workers, not
/// with the clients.
final class ModelShell {
    let model: GPT
    /// The non-base parameters, in model order: the layout of `ClientState.own`.
    let adapters: [Parameter]
    /// The MLP LoRA (A, B) pairs, once: `maskPrunedSlots` runs after every step.
    let mlpPairs: [(a: Parameter, b: Parameter)]

    init(base: GPT, adapters config: AdapterConfig) throws {
        // Loaded from a client before every use: the drawn initial values are never read.
        model = try GPT(adapters: config, rng: RNG(state: 0), base: base)
        adapters = model.parameters(where: { $0 != .base })
        mlpPairs = mlpLoRAPairs(model.parameters)
    }

    /// Client `c`'s values and which of them train; with `gradients`, also the gradients it
    /// carries between steps (CoMiGS's reference schedule leaks them across rounds).
    func load(_ c: ClientState, gradients: Bool) {
        for (s, o) in zip(adapters, c.own) {
            s.value.copy(from: o.value)
            s.requiresGrad = o.requiresGrad
            if gradients { s.grad.copy(from: o.grad) }
        }
    }

    /// What training changed, back into client `c`.
    func store(into c: ClientState, gradients: Bool) {
        for (s, o) in zip(adapters, c.own) {
            o.value.copy(from: s.value)
            if gradients { o.grad.copy(from: s.grad) }
        }
    }

    /// Zeroes MLP LoRA slots past each location's active rank (after an optimizer step, whose
    /// moments would otherwise move them).
    func maskPrunedSlots(_ ranks: [Int]) {
        let full = model.adapters.rank
        for ((a, b), r) in zip(mlpPairs, ranks) where r < full {
            (a.value.ptr + r * a.value.shape[1]).update(repeating: 0, count: (full - r) * a.value.shape[1])
            for row in 0..<b.value.shape[0] { (b.value.ptr + row * full + r).update(repeating: 0, count: full - r) }
        }
    }
}

/// Each client's model, lent: the client's adapters loaded into a shell of the worker that serves
/// it. One set of shells per worker (one shell per adapter layout it has served), so a
/// population of idle clients costs only their own state.
public final class ClientModels: @unchecked Sendable {
    public let base: GPT
    public let pool: WorkerPool
    let clients: [ClientState]
    /// Worker w's shells; only worker w's task touches them.
    private let benches: [Bench]

    final class Bench {
        var shells: [ModelShell] = []
    }

    init(base: GPT, clients: [ClientState], pool: WorkerPool) {
        self.base = base
        self.clients = clients
        self.pool = pool
        benches = (0..<pool.workers).map { _ in Bench() }
    }

    /// Worker w's shell for `config` (made at its first use).
    func shell(worker w: Int, _ config: AdapterConfig) -> ModelShell {
        let bench = benches[w]
        if let s = bench.shells.first(where: { $0.model.adapters == config }) { return s }
        // The layout was validated when the client's own parameters were built from it.
        let s = try! ModelShell(base: base, adapters: config)
        bench.shells.append(s)
        return s
    }

    /// Client `i`'s model, on worker w, for `body`.
    func lend<T>(_ i: Int, worker w: Int, _ body: (GPT) throws -> T) rethrows -> T {
        let c = clients[i], s = shell(worker: w, c.adapters)
        s.load(c, gradients: false)
        return try body(s.model)
    }

    /// `body(model of client model(item), item)` for every item, concurrently on the pool
    /// (results in input order, the same on any number of workers).
    public func map<T>(_ items: [Int], model: @Sendable (Int) -> Int = { $0 }, _ body: @Sendable (GPT, Int) -> T) -> [T] {
        pool.mapOnWorkers(items) { item, w in self.lend(model(item), worker: w) { body($0, item) } }
    }

    /// Client i's model for `body`, on the calling thread (worker 0's shell: never while the pool runs).
    public func with<T>(_ i: Int, _ body: (GPT) throws -> T) rethrows -> T {
        try lend(i, worker: 0, body)
    }
}
