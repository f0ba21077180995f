import Tensor

/// FedSA-LoRA (Guo et al., "Selective Aggregation for Low-Rank Adaptation in Federated
/// Learning", ICLR 2025; the ICML version of CoMiGS's Table 4): both LoRA factors train, but
/// only the A matrices — which the paper finds learn what clients share — travel and are
/// averaged; every B stays on its client as the personal part. A starts in common (the
/// server's round-0 values), B at zero as always.
///
/// The original code (the CoMiGS repository, `FedSaLoRACollaborationStrategy`)
/// marks nothing client-specific, so there every LoRA matrix travels: FedAvg at rank 16.
/// This is the paper's method; `reference` (compat "reference") does what the code does.
public struct FedSALoRA: CollaborationStrategy {
    public var rank: Int
    /// MLP experts averaged with no router (1 in the runscripts).
    public var experts: Int
    public var reference: Bool
    public init(rank: Int = 8, experts: Int = 1, reference: Bool = false) {
        self.rank = rank
        self.experts = experts
        self.reference = reference
    }
    public var name: String { Self.descriptor.name }
    public func adapters(client: Int) -> AdapterConfig { AdapterConfig(rank: rank, experts: experts, router: .mean) }
    public func shares(_ role: ParamRole) -> Bool { reference ? role.isLoRA : role.loraFactor == .a }
    public var aggregator: any Aggregator { WeightedMean() }
}

extension FedSALoRA {
    public static let descriptor = MethodDescriptor("fedsa-lora", experts: .free(default: 1)) { o in FedSALoRA(rank: o.ranks[0], experts: o.experts, reference: o.reference) }
}
