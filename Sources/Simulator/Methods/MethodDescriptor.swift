import Tensor

/// What a scenario needs to know of a method, said by the method itself (each method's file
/// declares its `descriptor`; `MethodRegistry.all` lists them): its name, how many MLP
/// experts it gives a client, which per-client settings it accepts, whether it trains one
/// model on the pooled data, and how to build it from the scenario's options.
public struct MethodDescriptor: Sendable {
    /// How a method counts a client's MLP LoRA experts.
    public enum Experts: Sendable, Equatable {
        /// `method.experts` sets them; this many when it is unset: two for Local, FedAvg, PCL and
        /// Centralized (averaged with no router, as the runscripts of `collab_runscripts/table1`
        /// run them: `-en 2 -is_no_router`) and for the mixtures, one for the single-LoRA
        /// baselines of Tables 2 and 4 (`-en 1`).
        case free(default: Int)
        /// The method fixes them (pFedMoE two, FlexLoRA/HetLoRA/FDLoRA one).
        case fixed(Int)
        /// CoMiGS: the shared generalists plus the client's own specialists, which may differ
        /// per client and may be fitted to the device's memory (`method.fit_specialists`).
        case generalistsAndSpecialists
    }

    /// The scenario's `method.name`.
    public let name: String
    public let experts: Experts
    /// Whether `method.rank` may give each client its own rank (FlexLoRA, HetLoRA).
    public let perClientRanks: Bool
    /// One model trained on every client's data pooled, scored on each client's split (Centralized).
    public let pooled: Bool
    private let build: @Sendable (MethodOptions) -> any CollaborationStrategy

    public init(_ name: String, experts: Experts, perClientRanks: Bool = false, pooled: Bool = false,
                build: @escaping @Sendable (MethodOptions) -> any CollaborationStrategy) {
        self.name = name
        self.experts = experts
        self.perClientRanks = perClientRanks
        self.pooled = pooled
        self.build = build
    }

    /// The method with these options (the registry's factory, called once per run).
    public func make(_ options: MethodOptions = MethodOptions()) -> any CollaborationStrategy { build(options) }

    /// Whether `method.experts` sets the method's experts.
    public var expertsAreFree: Bool { if case .free = experts { true } else { false } }

    /// Whether the method has generalists and per-client specialists (CoMiGS).
    public var hasSpecialists: Bool { experts == .generalistsAndSpecialists }

    /// Client i's MLP experts: `given` is `method.experts` (nil: unset), `generalists` and
    /// `specialists` (one per client) CoMiGS's counts.
    public func experts(client i: Int, given: Int?, generalists: Int, specialists: [Int]) -> Int {
        switch experts {
        case .free(let d): given ?? d
        case .fixed(let n): n
        case .generalistsAndSpecialists: generalists + specialists[i]
        }
    }
}
