import Tensor

/// FedAvg-MoE (ablation): E LoRA experts with a local router trained jointly
/// on the training split; every LoRA matrix is averaged, routers stay home.
public struct FedAvgMoE: CollaborationStrategy {
    public var experts: Int
    public var rank: Int
    public init(experts: Int = 2, rank: Int = 8) {
        self.experts = experts
        self.rank = rank
    }
    public var name: String { Self.descriptor.name }
    public func adapters(client: Int) -> AdapterConfig { AdapterConfig(rank: rank, experts: experts) }
    public func shares(_ role: ParamRole) -> Bool { role.isLoRA }
    public var aggregator: any Aggregator { WeightedMean() }
}

extension FedAvgMoE {
    public static let descriptor = MethodDescriptor("fedavg-moe", experts: .free(default: 2)) { o in FedAvgMoE(experts: o.experts, rank: o.ranks[0]) }
}
