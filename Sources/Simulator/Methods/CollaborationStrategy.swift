import Tensor

/// What a method's clients train and what leaves them (DESIGN §4): by typed
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
}

extension CollaborationStrategy {
    public var routerSchedule: RouterSchedule? { nil }
}

/// CoMiGS's alternating update (DESIGN §4): after every `every` expert steps
/// (counted across rounds), `iters` router-only steps on batches of `data`
/// with the router's own AdamW at constant lr.
public struct RouterSchedule: Sendable, Equatable {
    public var every = 30
    public var iters = 10
    public var data: ClientData.Split = .valid
    public init(every: Int = 30, iters: Int = 10, data: ClientData.Split = .valid) {
        self.every = every
        self.iters = iters
        self.data = data
    }
}

/// How the server combines the shared tensors that arrived.
public protocol Aggregator: Sendable {
    /// `arrivals`: each arrived client's shared tensors (in the strategy's
    /// parameter order) with its normalised weight, in client-id order.
    /// Writes the new global values into `global`.
    func combine(_ arrivals: [(weight: Double, tensors: [Tensor])], into global: [Tensor])
}

/// FedAvg's server: the weighted mean of what arrived (weights already normalised over the arrivals).
public struct WeightedMean: Aggregator {
    public init() {}
    public func combine(_ arrivals: [(weight: Double, tensors: [Tensor])], into global: [Tensor]) {
        guard !arrivals.isEmpty else { return }  // nothing arrived: the global stays
        for (j, g) in global.enumerated() {
            g.zero()
            for a in arrivals { g.add(a.tensors[j], scale: Float(a.weight)) }
        }
    }
}
