import Tensor

/// FFA-LoRA (DESIGN §4): every A is frozen at the same (shared-seed)
/// initialisation on every client; only the B matrices train and travel.
public struct FFALoRA: CollaborationStrategy {
    public var rank: Int
    /// MLP experts averaged with no router (1 in the runscripts).
    public var experts: Int
    public init(rank: Int = 8, experts: Int = 1) {
        self.rank = rank
        self.experts = experts
    }
    public var name: String { "ffa-lora" }
    public func adapters(client: Int) -> AdapterConfig { AdapterConfig(rank: rank, experts: experts, router: .mean) }
    public func shares(_ role: ParamRole) -> Bool { Self.isB(role) }
    public func trains(_ role: ParamRole) -> Bool { Self.isB(role) }
    public func startsInCommon(_ role: ParamRole) -> Bool { role.isLoRA }
    public var aggregator: any Aggregator { WeightedMean() }

    static func isB(_ role: ParamRole) -> Bool { role.loraFactor == .b }
}
