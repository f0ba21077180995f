import Simulator
import Tensor

/// A validated scenario as typed values, every default filled in: what a run, a sweep point or
/// a report reads of a scenario. `ScenarioDecoder` builds it once from the resolved tree (the
/// only code that knows the keys' dotted paths); `ScenarioKeys` stays the table that validates
/// the tree and documents each key (docs/scenarios.md names the key behind each field).
struct ScenarioConfig {
    /// `name`: run folders are `<name>-<method>-seed<S>`.
    var name: String
    /// `label`: the row label in reports (nil: the method's name).
    var label: String?
    /// `seeds`, distinct.
    var seeds: [UInt64]
    var schedule: Schedule
    var training: Training
    var model: Model
    var data: DataSpec
    var clients: Clients
    var method: MethodSpec
    var policy: Policy
    var heterogeneity: Heterogeneity
    var outputs: Outputs
    /// `numerics`: false is cost-only mode (time, bytes and memory from the cost model, no tensors).
    var numerics: Bool
    /// `wire_fp16`: shared parameters count as float16 on the wire.
    var wireFP16: Bool

    /// Rounds, local steps and when the run scores.
    struct Schedule {
        var rounds: Int
        var localSteps: Int
        var evalEvery: Int
        /// Random test windows per client (0: every full non-overlapping window).
        var evalWindows: Int
        var evalWhen: RunEvaluation.Moment
        /// Mean test perplexity whose first reaching gives `time_to_target_s`.
        var targetPPL: Double?
    }

    /// The optimiser's settings (`batch`, `micro_batch`, `method.lr`, `method.lambda_lb`, `method.weight_decay`).
    struct Training {
        var batch: Int
        var microBatch: Int
        var lr: Double
        var lambdaLB: Double
        var weightDecay: Double
    }

    struct Model {
        /// `model.base`: a comigs safetensors checkpoint or a Hugging Face GPT-2 folder.
        var base: String
        /// Training sequence length (0: the base's context).
        var context: Int
        var loraAlpha: Double
    }

    /// Where the clients' tokens come from.
    enum DataSpec {
        case synthetic(SyntheticCorpus.Spec)
        /// A prepared folder (`data.path`).
        case folder(path: String)

        var isFolder: Bool { if case .folder = self { true } else { false } }
    }

    /// The clients: one spec each, or a population drawn when the run starts.
    enum Clients {
        case listed([ClientSpec])
        case population(Population)
    }

    struct ClientSpec {
        var name: String?
        /// The device class with the client's overrides applied.
        var device: DeviceProfile
        var window: Window?
    }

    /// An availability window: on for `onS` seconds of every `periodS`, shifted by `phaseS`.
    struct Window {
        var periodS: Double
        var onS: Double
        var phaseS: Double

        var schedule: AvailabilitySchedule {
            let us = { (x: Double) in SimTime((x * 1e6).rounded()) }
            return .window(AvailabilityWindow(period: us(periodS), on: us(onS), phase: us(phaseS)))
        }
    }

    /// A population object: `count` clients from a device trace or by class shares.
    struct Population {
        var count: Int
        var seed: UInt64
        var source: Source

        enum Source {
            /// `clients.trace` (devices CSV), `clients.availability` (intervals CSV), `clients.replace`.
            case trace(devices: String, availability: String?, replace: Bool)
            /// `clients.classes.<class>`: one share per `DeviceProfile.classes`, summing to 1.
            case classes(shares: [Double])
        }
    }

    /// The method and its options.
    struct MethodSpec {
        var descriptor: MethodDescriptor
        /// `method.rank`: one for all, or one per client.
        var ranks: PerClient
        /// `method.experts` as given (nil: the method's default).
        var experts: Int?
        var generalists: Int
        var specialists: PerClient
        var topK: Int?
        var generalistImportance: Double
        var router: RouterSchedule
        var pclWindows: Int
        var hetLoRALambda: Double
        var hetLoRAGamma: Double
        var fitSpecialists: Bool
        /// `compat: "reference"`: where the original code departs from a method's paper, do what the code does.
        var reference: Bool

        var name: String { descriptor.name }
    }

    /// An `intOrInts` key: one value for every client, or one per client.
    enum PerClient: Equatable {
        case all(Int)
        case each([Int])

        func values(_ clients: Int) -> [Int] {
            switch self {
            case .all(let v): Array(repeating: v, count: clients)
            case .each(let v): v
            }
        }

        /// The values as given: one, or one per client.
        var given: [Int] {
            switch self {
            case .all(let v): [v]
            case .each(let v): v
            }
        }

        var isList: Bool { if case .each = self { true } else { false } }
    }

    struct Policy {
        var round: RoundPolicy
        /// K clients per round among the available (0: all).
        var clientsPerRound: Int
    }

    struct Heterogeneity {
        var straggler: Straggler
        var dropout: Dropout
    }

    struct Outputs {
        var dir: String
        var saveAdapters: Bool
        /// Rounds between checkpoints (0: never).
        var checkpointEvery: Int
    }
}

extension ScenarioConfig {
    /// The number of clients: the list's length, or a population's count.
    var clientCount: Int {
        switch clients {
        case .listed(let c): c.count
        case .population(let p): p.count
        }
    }

    var isPopulation: Bool { if case .population = clients { true } else { false } }

    /// One model trained on every client's data pooled (Centralized), scored on each client's split.
    var pooled: Bool { method.descriptor.pooled }

    /// The report's row label.
    var rowLabel: String { label ?? method.name }

    /// The experts client i's MLP has under the scenario's method.
    func experts(client i: Int) -> Int {
        method.descriptor.experts(client: i, given: method.experts, generalists: method.generalists,
                                  specialists: method.specialists.values(clientCount))
    }

    /// The method with the scenario's adapter settings, `specialists` per client (after fitting to memory).
    func strategy(specialists: [Int]) -> any CollaborationStrategy {
        var o = MethodOptions()
        o.ranks = method.ranks.given
        o.experts = experts(client: 0)
        o.generalists = method.generalists
        o.specialists = specialists
        o.router = method.router
        o.pclWindows = method.pclWindows
        o.hetLambda = Float(method.hetLoRALambda)
        o.hetGamma = method.hetLoRAGamma
        o.rounds = max(1, schedule.rounds)
        o.reference = method.reference
        return Tuned(method.descriptor.make(o), alpha: Float(model.loraAlpha), topK: method.topK,
                     generalistImportance: Float(method.generalistImportance), loadBalance: method.reference ? .blockOutput : nil)
    }

    /// The method as the scenario configures it, before any fitting to memory.
    var strategy: any CollaborationStrategy { strategy(specialists: method.specialists.values(clientCount)) }

    /// The optimiser at this sequence length, its cosine schedule over every local step of the run.
    func trainingConfig(context: Int) -> TrainingConfig {
        var t = TrainingConfig(totalSteps: max(1, schedule.rounds * schedule.localSteps))
        t.batch = training.batch
        t.microBatch = training.microBatch
        t.time = context
        t.lr = Float(training.lr)
        t.lambdaLB = Float(training.lambdaLB)
        t.adamW.weightDecay = Float(training.weightDecay)
        return t
    }

    /// The scheduler's settings for `clients` federated clients.
    func simulationConfig(clients n: Int, seed: UInt64) -> SimulationConfig {
        let k = policy.clientsPerRound
        return SimulationConfig(rounds: schedule.rounds, clientsPerRound: k == 0 ? nil : min(k, n), policy: policy.round,
                                straggler: heterogeneity.straggler, dropout: heterogeneity.dropout, seed: seed)
    }
}
