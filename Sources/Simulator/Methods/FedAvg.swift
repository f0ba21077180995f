import Tensor

/// FedAvg: every LoRA matrix travels and the server averages them with
/// uniform weights over the updates that arrived (docs/design.md §4).
public struct FedAvg: CollaborationStrategy {
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
    public func shares(_ role: ParamRole) -> Bool { role.isLoRA }
    public var aggregator: any Aggregator { WeightedMean() }
}

extension FedAvg {
    public static let descriptor = MethodDescriptor("fedavg", experts: .free(default: 2)) { o in FedAvg(rank: o.ranks[0], experts: o.experts) }
}
