import Tensor

/// What a method's clients train and what leaves them (docs/design.md §4): by typed
/// parameter role, never by name. The server side is an `Aggregator`.
public protocol CollaborationStrategy: Sendable {
    var name: String { get }
    /// The adapters client i trains on top of the frozen base.
    func adapters(client: Int) -> AdapterConfig
    /// Whether parameters of this role travel to the server and back.
    func shares(_ role: ParamRole) -> Bool
    var aggregator: any Aggregator { get }
    /// How routers train: nil = jointly with the experts (one optimizer, training
    /// split); else CoMiGS's alternating (bi-level) schedule.
    var routerSchedule: RouterSchedule? { get }
    /// Whether parameters of this role train at all (default: every adapter and router).
    func trains(_ role: ParamRole) -> Bool
    /// Whether every client starts with the same values for this role (default:
    /// the shared roles, as the server sends them in round 0).
    func startsInCommon(_ role: ParamRole) -> Bool
    /// A batch size the method fixes (the centralized reference's 256), else nil.
    var batch: Int? { get }
    /// Which experts are generalists and which specialists, for a method that has these roles
    /// (CoMiGS); nil (the default) for a method whose experts are only numbered.
    var expertRoles: ExpertRoles? { get }
    /// Adds the gradient of a method's extra training loss (HetLoRA's rank
    /// regulariser) for a client whose MLP LoRA location l uses its first `ranks[l]` slots.
    func regularize(_ model: GPT, ranks: [Int])
}

extension CollaborationStrategy {
    public var routerSchedule: RouterSchedule? { nil }
    public func trains(_ role: ParamRole) -> Bool { role != .base }
    public func startsInCommon(_ role: ParamRole) -> Bool { shares(role) }
    public var batch: Int? { nil }
    public var expertRoles: ExpertRoles? { nil }
    public func regularize(_ model: GPT, ranks: [Int]) {}
}

/// CoMiGS's alternating update (docs/design.md §4): after every `every` expert steps
/// (counted across rounds), `iters` router-only steps on batches of `data`
/// with the router's own AdamW at constant lr.
public struct RouterSchedule: Sendable, Equatable {
    public var every = 30
    public var iters = 10
    public var data: ClientData.Split = .valid
    /// compat "reference": what `clients.py` does — nothing is frozen and each optimizer clears
    /// only its own gradients, so the routers' gradients of the `every` expert steps before a burst
    /// reach its first router step, and the experts' gradients of the burst's `iters` router
    /// passes reach the next expert step.
    public var leaksGradients = false
    public init(every: Int = 30, iters: Int = 10, data: ClientData.Split = .valid, leaksGradients: Bool = false) {
        self.every = every
        self.iters = iters
        self.data = data
        self.leaksGradients = leaksGradients
    }
}

/// The LoRA rank a client currently uses at each MLP LoRA location (`mlpLoRAPairs` order):
/// HetLoRA prunes each location on its own, as the original's server does per `lora_A` name;
/// other methods never change them. The attention LoRA keeps its rank.
public final class ActiveRank: @unchecked Sendable {
    public var ranks: [Int]
    public init(_ rank: Int, locations: Int) { ranks = Array(repeating: rank, count: locations) }
}

/// The (A, B) pairs of the MLP experts' LoRA among `ps`, in model order (an A is followed by its B).
public func mlpLoRAPairs(_ ps: [Parameter]) -> [(a: Parameter, b: Parameter)] {
    let lora = ps.filter { $0.role.expert != nil }
    return stride(from: 0, to: lora.count, by: 2).map { (lora[$0], lora[$0 + 1]) }
}

/// A client's shared parameters as the server sees them.
public struct SharedState {
    public var client: Int
    public var rank: ActiveRank
    /// In model order (a LoRA's A is followed by its B).
    public var parameters: [Parameter]
    /// The scale s = alpha / √r of this client's MLP LoRA.
    public var loraScale: Float
    /// Every client's model (`models.with(client)`) and this one's validation tokens, for servers
    /// that score models (PCL's trust weights, FDLoRA's fusion); everything else reads `parameters` only.
    public var models: ClientModels
    public var validation: [Int32]
    /// What the server last sent this client (at the start: the common round-0 values), in
    /// `parameters` order; nil when `parameters` hold exactly that (the client has not trained
    /// since). A server with a global model sends it again when nothing arrived.
    public var received: [Tensor]?

    /// `count` random windows of the client's validation split at the model's context (shorter
    /// only if the split is), drawn from `rng`: what servers that score models (PCL's trust,
    /// FDLoRA's fusion) evaluate on.
    public func validationWindows(_ count: Int, rng: inout RNG) -> TokenBatch {
        let t = min(models.base.config.blockSize, validation.count - 1)
        return ClientData(name: "", tokens: [.valid: validation]).batch(.valid, batch: count, time: t, rng: &rng)
    }

    /// Takes back what the server last sent: the client's own training of these parameters
    /// never reached the server, so it is replaced by the (unchanged) global.
    public func restoreReceived() {
        guard let received else { return }
        for (p, r) in zip(parameters, received) { p.value.copy(from: r) }
    }
}

/// An update that reached the server.
public struct Arrival {
    /// The scheduler's weight, normalised over the arrivals (1/n, or staleness-weighted).
    public var weight: Double
    /// Training tokens of the client (size-weighted methods).
    public var dataSize: Int
    public var state: SharedState
}

/// How the server combines what arrived and what each client receives back.
public protocol Aggregator: Sendable {
    /// `arrivals` in client-id order; writes what each receiver gets into its
    /// parameters. `round` counts aggregations from 0.
    func combine(_ arrivals: [Arrival], into receivers: [SharedState], round: Int)
    /// Whether every receiver gets the weighted mean of what arrived: then FedBuff (the async
    /// policy) can move one global by buffered, staleness-weighted deltas instead.
    var averagesUpdates: Bool { get }
    /// Whether the last aggregation ends in a step that makes each client's final model
    /// (FDLoRA's fusion): the run's last evaluation then comes after it, as the original
    /// scores FDLoRA after fusing, even when every other evaluation precedes aggregation.
    var finishesClientsInLastRound: Bool { get }
    /// What the server keeps between rounds (for checkpoints; most keep nothing).
    func snapshot() -> [Tensor]
    func restore(_ state: [Tensor])
}

extension Aggregator {
    public var finishesClientsInLastRound: Bool { false }
    public func snapshot() -> [Tensor] { [] }
    public func restore(_ state: [Tensor]) {}
}

/// FedAvg's server: the weighted mean of what arrived, sent to everyone.
public struct WeightedMean: Aggregator {
    public init() {}
    public var averagesUpdates: Bool { true }
    public func combine(_ arrivals: [Arrival], into receivers: [SharedState], round: Int) {
        guard let first = arrivals.first else {
            // Nothing arrived: the global is unchanged, and every client holds it again.
            for r in receivers { r.restoreReceived() }
            return
        }
        let mean = first.state.parameters.map { Tensor($0.value.shape) }
        for a in arrivals { for (m, p) in zip(mean, a.state.parameters) { m.add(p.value, scale: Float(a.weight)) } }
        for r in receivers { for (p, m) in zip(r.parameters, mean) { p.value.copy(from: m) } }
    }

    /// The weighted mean of the parameters at `indices` only, sent to every receiver (FlexLoRA's
    /// and HetLoRA's attention LoRA, which has the same rank on every client).
    static func combine(_ indices: [Int], _ arrivals: [Arrival], into receivers: [SharedState]) {
        guard let first = arrivals.first else { return }
        for k in indices {
            let mean = Tensor(first.state.parameters[k].value.shape)
            for a in arrivals { mean.add(a.state.parameters[k].value, scale: Float(a.weight)) }
            for r in receivers { r.parameters[k].value.copy(from: mean) }
        }
    }
}
