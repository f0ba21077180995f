import Tensor

/// Knobs a scenario can set for its method (defaults are the paper's).
public struct MethodOptions: Sendable, Equatable {
    /// LoRA rank (per expert), or one per client for FlexLoRA/HetLoRA.
    public var ranks: [Int] = [8]
    /// MLP experts of the methods whose expert count is free (`MethodDescriptor.Experts.free`):
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

/// Scenario names → methods: every method's `descriptor` (docs/design.md §4 table).
public enum MethodRegistry {
    public static let all: [MethodDescriptor] = [
        Local.descriptor, FedAvg.descriptor, Centralized.descriptor, FedAvgMoE.descriptor, LocalMoE.descriptor, PFedMoE.descriptor,
        PCL.descriptor, FFALoRA.descriptor, FedSALoRA.descriptor, FDLoRA.descriptor, FlexLoRA.descriptor, HetLoRA.descriptor,
        CoMiGS.descriptor,
    ]
    public static let names = all.map(\.name)

    public struct UnknownMethod: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "unknown method '\(name)' (known: \(MethodRegistry.names.joined(separator: ", ")))" }
    }

    /// The method a scenario names. Errors: `UnknownMethod`.
    public static func descriptor(_ name: String) throws -> MethodDescriptor {
        guard let d = all.first(where: { $0.name == name }) else { throw UnknownMethod(name: name) }
        return d
    }

    public static func make(_ name: String, _ o: MethodOptions = MethodOptions()) throws -> any CollaborationStrategy {
        try descriptor(name).make(o)
    }
}
