import Tensor

/// Knobs a scenario can set for its method (defaults are the paper's).
public struct MethodOptions: Sendable, Equatable {
    /// LoRA rank (per expert), or one per client for FlexLoRA/HetLoRA.
    public var ranks: [Int] = [8]
    /// MLP experts of the methods whose expert count is free (`MethodRegistry.defaultExperts`):
    /// a routed mixture for FedAvg-MoE and Local-MoE, the no-router mean for the others.
    public var experts = 2
    /// CoMiGS: shared generalists and per-client specialists (one value or one per client).
    public var generalists = 1
    public var specialists: [Int] = [1]
    public var router = RouterSchedule()
    public var pclWindows = 1280
    public var hetLambda: Float = 0.01
    public var hetGamma = 0.99
    /// The run's rounds (FDLoRA fuses after the last).
    public var rounds = 1
    /// `compat: "reference"`: where the original code departs from a method's paper, do what the code does.
    public var reference = false

    public init() {}
}

/// Scenario names → methods (DESIGN §4 table).
public enum MethodRegistry {
    public static let names = ["local", "fedavg", "centralized", "fedavg-moe", "local-moe", "pfedmoe", "pcl",
                               "ffa-lora", "fedsa-lora", "fdlora", "flexlora", "hetlora", "comigs"]

    public struct UnknownMethod: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "unknown method '\(name)' (known: \(MethodRegistry.names.joined(separator: ", ")))" }
    }

    /// The MLP experts a method has unless the scenario sets `method.experts`: two for Local,
    /// FedAvg, PCL and Centralized (averaged with no router, as the runscripts of
    /// `collab_runscripts/table1` run them: `-en 2 -is_no_router`) and for the mixtures; one
    /// for the single-LoRA baselines of Tables 2 and 4 (`-en 1`). nil: the method fixes its
    /// experts (CoMiGS counts generalists and specialists, pFedMoE has two; FlexLoRA, HetLoRA
    /// and FDLoRA one).
    public static func defaultExperts(_ name: String) -> Int? {
        switch name {
        case "local", "fedavg", "pcl", "centralized", "fedavg-moe", "local-moe": 2
        case "ffa-lora", "fedsa-lora": 1
        default: nil
        }
    }

    public static func make(_ name: String, _ o: MethodOptions = MethodOptions()) throws -> any CollaborationStrategy {
        let r = o.ranks[0]
        switch name {
        case "local": return Local(rank: r, experts: o.experts)
        case "fedavg": return FedAvg(rank: r, experts: o.experts)
        case "centralized": return Centralized(rank: r, experts: o.experts)
        case "fedavg-moe": return FedAvgMoE(experts: o.experts, rank: r)
        case "local-moe": return LocalMoE(experts: o.experts, rank: r)
        case "pfedmoe": return PFedMoE(rank: r)
        case "pcl": return PCL(rank: r, experts: o.experts, windows: o.pclWindows, reference: o.reference)
        case "ffa-lora": return FFALoRA(rank: r, experts: o.experts, reference: o.reference)
        case "fedsa-lora": return FedSALoRA(rank: r, experts: o.experts, reference: o.reference)
        case "fdlora": return FDLoRA(rank: r, rounds: o.rounds)
        case "flexlora": return FlexLoRA(ranks: o.ranks, reference: o.reference)
        case "hetlora": return HetLoRA(ranks: o.ranks, lambda: o.hetLambda, gamma: o.hetGamma)
        case "comigs":
            var schedule = o.router
            schedule.leaksGradients = o.reference
            return CoMiGS(generalists: o.generalists, specialists: o.specialists, rank: r, schedule: schedule)
        default: throw UnknownMethod(name: name)
        }
    }
}
