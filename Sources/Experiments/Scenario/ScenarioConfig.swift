import Simulator
import Tensor

/// A validated scenario as typed values, every default filled in: what a run, a sweep point or
/// a report reads of a scenario. `ScenarioDecoder` builds it once from the resolved tree (the
/// only code that knows the keys' dotted paths); `ScenarioKeys` stays the table that validates
/// the tree and documents each key (docs/scenarios.md names the key behind each field).
package struct ScenarioConfig {
    /// `name`: run folders are `<name>-<method>-seed<S>`.
    package var name: String
    /// `label`: the row label in reports (nil: the method's name).
    package var label: String?
    /// `seeds`, distinct.
    package var seeds: [UInt64]
    package var schedule: Schedule
    package var training: Training
    package var model: Model
    package var data: DataSpec
    /// `data.resident_mib`, in bytes: how much of the clients' loaded splits is kept (`ClientDataCache`).
    package var dataResidentBytes: Int
    package var clients: Clients
    package var method: MethodSpec
    package var policy: Policy
    package var heterogeneity: Heterogeneity
    package var outputs: Outputs
    /// `numerics`: false is cost-only mode (time, bytes and memory from the cost model, no tensors).
    package var numerics: Bool
    /// `wire_fp16`: shared parameters count as float16 on the wire.
    package var wireFP16: Bool

    /// Rounds, local steps and when the run scores.
    package struct Schedule {
        package var rounds: Int
        package var localSteps: Int
        package var evalEvery: Int
        /// Random test windows per client (0: every full non-overlapping window).
        package var evalWindows: Int
        package var evalWhen: RunEvaluation.Moment
        /// Whom each evaluation scores (`eval_clients`).
        package var evalClients: EvalClients
        /// Mean test perplexity whose first reaching gives `time_to_target_s`.
        package var targetPPL: Double?
    }

    /// The optimiser's settings (`batch`, `micro_batch`, `method.lr`, `method.lambda_lb`, `method.weight_decay`).
    package struct Training {
        package var batch: Int
        package var microBatch: Int
        package var lr: Double
        package var lambdaLB: Double
        package var weightDecay: Double
    }

    package struct Model {
        /// `model.base`: a comigs safetensors checkpoint or a Hugging Face GPT-2 folder.
        package var base: String
        /// Training sequence length (0: the base's context).
        package var context: Int
        package var loraAlpha: Double
    }

    /// Where the clients' tokens come from.
    package enum DataSpec {
        case synthetic(SyntheticCorpus.Spec)
        /// A prepared folder (`data.path`).
        case folder(path: String)

        package var isFolder: Bool { if case .folder = self { true } else { false } }
    }

    /// The clients: one spec each, or a population drawn when the run starts.
    package enum Clients {
        case listed([ClientSpec])
        case population(Population)
    }

    package struct ClientSpec {
        package var name: String?
        /// The device class with the client's overrides applied.
        package var device: DeviceProfile
        package var window: Window?
    }

    /// An availability window: on for `onS` seconds of every `periodS`, shifted by `phaseS`.
    package struct Window {
        package var periodS: Double
        package var onS: Double
        package var phaseS: Double

        package var schedule: AvailabilitySchedule {
            let us = { (x: Double) in SimTime((x * 1e6).rounded()) }
            return .window(AvailabilityWindow(period: us(periodS), on: us(onS), phase: us(phaseS)))
        }
    }

    /// A population object: `count` clients from a device trace or by class shares.
    package struct Population {
        package var count: Int
        package var seed: UInt64
        package var source: Source

        package enum Source {
            /// `clients.trace` (devices CSV), `clients.availability` (intervals CSV), `clients.replace`.
            case trace(devices: String, availability: String?, replace: Bool)
            /// `clients.classes.<class>`: one share per `DeviceProfile.classes`, summing to 1.
            case classes(shares: [Double])
        }
    }

    /// The method and its options.
    package struct MethodSpec {
        package var descriptor: MethodDescriptor
        /// `method.rank`: one for all, or one per client.
        package var ranks: PerClient
        /// `method.experts` as given (nil: the method's default).
        package var experts: Int?
        package var generalists: Int
        package var specialists: PerClient
        package var topK: Int?
        package var generalistImportance: Double
        package var router: RouterSchedule
        package var pclWindows: Int
        package var hetLoRALambda: Double
        package var hetLoRAGamma: Double
        package var fitSpecialists: Bool
        /// `compat: "reference"`: where the original code departs from a method's paper, do what the code does.
        package var reference: Bool

        package var name: String { descriptor.name }
    }

    /// An `intOrInts` key: one value for every client, or one per client.
    package enum PerClient: Equatable {
        case all(Int)
        case each([Int])

        package func values(_ clients: Int) -> [Int] {
            switch self {
            case .all(let v): Array(repeating: v, count: clients)
            case .each(let v): v
            }
        }

        /// The values as given: one, or one per client.
        package var given: [Int] {
            switch self {
            case .all(let v): [v]
            case .each(let v): v
            }
        }

        package var isList: Bool { if case .each = self { true } else { false } }
    }

    package struct Policy {
        package var round: RoundPolicy
        /// K clients per round among the available (0: all).
        package var clientsPerRound: Int
    }

    package struct Heterogeneity {
        package var straggler: Straggler
        package var dropout: Dropout
    }

    package struct Outputs {
        package var dir: String
        package var saveAdapters: Bool
        /// Rounds between checkpoints (0: never).
        package var checkpointEvery: Int
    }
}

extension ScenarioConfig {
    /// The number of clients: the list's length, or a population's count.
    package var clientCount: Int {
        switch clients {
        case .listed(let c): c.count
        case .population(let p): p.count
        }
    }

    package var isPopulation: Bool { if case .population = clients { true } else { false } }

    /// One model trained on every client's data pooled (Centralized), scored on each client's split.
    package var pooled: Bool { method.descriptor.pooled }

    /// Clients the federation and the scheduler hold: one for a pooled method, else every client.
    package var federatedClients: Int { pooled ? 1 : clientCount }

    /// The report's row label.
    package var rowLabel: String { label ?? method.name }

    /// The experts client i's MLP has under the scenario's method.
    package func experts(client i: Int) -> Int {
        method.descriptor.experts(client: i, given: method.experts, generalists: method.generalists,
                                  specialists: method.specialists.values(clientCount))
    }

    /// The method with the scenario's adapter settings, `specialists` per client (after fitting to memory).
    package func strategy(specialists: [Int]) -> any CollaborationStrategy {
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
    package var strategy: any CollaborationStrategy { strategy(specialists: method.specialists.values(clientCount)) }

    /// The optimiser at this sequence length, its cosine schedule over every local step of the run.
    package func trainingConfig(context: Int) -> TrainingConfig {
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
    package func simulationConfig(clients n: Int, seed: UInt64) -> SimulationConfig {
        let k = policy.clientsPerRound
        return SimulationConfig(rounds: schedule.rounds, clientsPerRound: k == 0 ? nil : min(k, n), policy: policy.round,
                                straggler: heterogeneity.straggler, dropout: heterogeneity.dropout, seed: seed)
    }
}
