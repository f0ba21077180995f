import Tensor

/// Local: every client fine-tunes alone; nothing travels (docs/design.md §4, 1 round × 200 steps).
/// With `experts > 1` the MLP is a mean of experts ("no router"), as in the paper's table.
public struct Local: CollaborationStrategy {
    public var rank: Int
    public var experts: Int
    public init(rank: Int = 8, experts: Int = 1) {
        self.rank = rank
        self.experts = experts
    }
    public var name: String { Self.descriptor.name }
    public func adapters(client: Int) -> AdapterConfig {
        AdapterConfig(rank: rank, experts: experts, router: experts > 1 ? .mean : .topK)
    }
    public func shares(_ role: ParamRole) -> Bool { false }
    public var aggregator: any Aggregator { WeightedMean() }
}

extension Local {
    public static let descriptor = MethodDescriptor("local", experts: .free(default: 2)) { o in Local(rank: o.ranks[0], experts: o.experts) }
}
