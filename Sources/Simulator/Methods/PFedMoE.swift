import Tensor

/// pFedMoE (adapted, docs/design.md §4): one shared and one local expert with a local
/// router trained jointly on the training split; expert 0 and the attention
/// LoRA are averaged.
public struct PFedMoE: CollaborationStrategy {
    public var rank: Int
    public init(rank: Int = 8) { self.rank = rank }
    public var name: String { Self.descriptor.name }
    public func adapters(client: Int) -> AdapterConfig { AdapterConfig(rank: rank, experts: 2) }
    public func shares(_ role: ParamRole) -> Bool {
        switch role {
        case .attentionLoRA: true
        case .expertLoRA(let e, _): e == 0
        case .base, .router: false
        }
    }
    public var aggregator: any Aggregator { WeightedMean() }
}

extension PFedMoE {
    public static let descriptor = MethodDescriptor("pfedmoe", experts: .fixed(2)) { o in PFedMoE(rank: o.ranks[0]) }
}
