import Tensor

/// FFA-LoRA (docs/design.md §4; Sun et al. 2024): every A is frozen at the same (shared-seed)
/// initialisation on every client; only the B matrices train and travel.
///
/// `reference` (compat "reference"): the original's `ffalora` strategy name maps to the
/// expert-0 strategy, so A trains and travels too, and its runscript adds `--is_pruning`: every
/// LoRA matrix is averaged (FedAvg) with HetLoRA's rank regulariser (λ 0.01, γ 0.99) on the MLP.
public struct FFALoRA: CollaborationStrategy {
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
    public func shares(_ role: ParamRole) -> Bool { reference ? role.isLoRA : Self.isB(role) }
    public func trains(_ role: ParamRole) -> Bool { reference ? role != .base : Self.isB(role) }
    public func regularize(_ model: GPT, ranks: [Int]) {
        if reference { HetLoRA(lambda: 0.01, gamma: 0.99).regularize(model, ranks: ranks) }
    }
    public func startsInCommon(_ role: ParamRole) -> Bool { role.isLoRA }
    public var aggregator: any Aggregator { WeightedMean() }

    static func isB(_ role: ParamRole) -> Bool { role.loraFactor == .b }
}

extension FFALoRA {
    public static let descriptor = MethodDescriptor("ffa-lora", experts: .free(default: 1)) { o in FFALoRA(rank: o.ranks[0], experts: o.experts, reference: o.reference) }
}
