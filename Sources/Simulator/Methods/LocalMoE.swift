import Tensor

/// Local-MoE (ablation): the same mixture trained alone; nothing travels.
public struct LocalMoE: CollaborationStrategy {
    public var experts: Int
    public var rank: Int
    public init(experts: Int = 2, rank: Int = 8) {
        self.experts = experts
        self.rank = rank
    }
    public var name: String { Self.descriptor.name }
    public func adapters(client: Int) -> AdapterConfig { AdapterConfig(rank: rank, experts: experts) }
    public func shares(_ role: ParamRole) -> Bool { false }
    public var aggregator: any Aggregator { WeightedMean() }
}

extension LocalMoE {
    public static let descriptor = MethodDescriptor("local-moe", experts: .free(default: 2)) { o in LocalMoE(experts: o.experts, rank: o.ranks[0]) }
}
