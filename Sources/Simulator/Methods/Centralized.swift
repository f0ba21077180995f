import Tensor

/// The centralized reference (docs/design.md §4): one model trained on the pooled
/// training data of every client (`ClientData.pooled`) with batch 256, then
/// evaluated on each client's test split. Nothing travels: it is one "client".
public struct Centralized: CollaborationStrategy {
    public var rank: Int
    /// Experts averaged with no router (the runscript's `-en '[2]' -is_no_router`).
    public var experts: Int
    public init(rank: Int = 8, experts: Int = 2) {
        self.rank = rank
        self.experts = experts
    }
    public var name: String { Self.descriptor.name }
    public func adapters(client: Int) -> AdapterConfig { AdapterConfig(rank: rank, experts: experts, router: .mean) }
    public func shares(_ role: ParamRole) -> Bool { false }
    public var aggregator: any Aggregator { WeightedMean() }
    public var batch: Int? { 256 }
}

extension Centralized {
    public static let descriptor = MethodDescriptor("centralized", experts: .free(default: 2), pooled: true) { o in Centralized(rank: o.ranks[0], experts: o.experts) }
}
