import Tensor

/// A method with the scenario's adapter settings (LoRA alpha, top-k, the
/// generalist's load-balancing importance, what the load-balancing loss
/// reads) applied to every client's adapters; everything else is the wrapped method's.
public struct Tuned: CollaborationStrategy {
    public let method: any CollaborationStrategy
    public var alpha: Float
    public var topK: Int?
    public var generalistImportance: Float
    public var loadBalance: LoadBalanceInput?

    public init(_ method: any CollaborationStrategy, alpha: Float = 16, topK: Int? = nil, generalistImportance: Float = 0.5,
                loadBalance: LoadBalanceInput? = nil) {
        self.method = method
        self.alpha = alpha
        self.topK = topK
        self.generalistImportance = generalistImportance
        self.loadBalance = loadBalance
    }

    public var name: String { method.name }
    public func adapters(client: Int) -> AdapterConfig {
        var a = method.adapters(client: client)
        a.alpha = alpha
        if let topK { a.topK = min(topK, a.experts) }
        a.generalistImportance = generalistImportance
        a.loadBalance = loadBalance
        return a
    }
    public func shares(_ role: ParamRole) -> Bool { method.shares(role) }
    public var aggregator: any Aggregator { method.aggregator }
    public var routerSchedule: RouterSchedule? { method.routerSchedule }
    public func trains(_ role: ParamRole) -> Bool { method.trains(role) }
    public func startsInCommon(_ role: ParamRole) -> Bool { method.startsInCommon(role) }
    public var batch: Int? { method.batch }
    public var expertRoles: ExpertRoles? { method.expertRoles }
    public func regularize(_ model: GPT, ranks: [Int]) { method.regularize(model, ranks: ranks) }
}
