import Simulator
import Tensor

/// Builds a `ScenarioConfig` from a resolved scenario tree (types already checked against
/// `ScenarioKeys`, defaults filled in). The only code that reads a scenario by dotted path:
/// each read names a key of the table, and the reader records it, so a test can check that the
/// decoder reads every key of the table and nothing else.
/// Errors (`ScenarioError`): a population object without its count or with both or neither
/// device source, a client window missing its period or on-time, and a per-client list whose
/// length is not the number of clients.
package struct ScenarioDecoder {
    /// Key paths (table patterns such as `clients[].device`) read so far, over every decoder.
    package final class ReadLog: @unchecked Sendable {
        package var paths = Set<String>()
    }

    package let tree: JSON
    /// The table pattern of `tree` (`""` for the top level, `"clients[]"` for one client's object).
    package let pattern: String
    package let log: ReadLog

    package init(_ tree: JSON, pattern: String = "", log: ReadLog = ReadLog()) {
        self.tree = tree
        self.pattern = pattern
        self.log = log
    }

    /// The value of the table key `key`; traps on a path the table does not have (a programming error).
    package func value(_ key: String) -> JSON? {
        precondition(ScenarioKeys.key(key) != nil, "\(key) is not a scenario key")
        log.paths.insert(key)
        let local = pattern.isEmpty ? key : String(key.dropFirst(pattern.count + 1))
        var v: JSON? = tree
        for part in local.split(separator: ".") { v = v?[String(part)] }
        return v
    }

    package func int(_ key: String) -> Int { Int(double(key)) }
    package func double(_ key: String) -> Double {
        guard let v = optionalDouble(key) else { preconditionFailure("\(key) is not set") }
        return v
    }
    package func optionalDouble(_ key: String) -> Double? { if case .number(let v, _)? = value(key) { v } else { nil } }
    package func optionalInt(_ key: String) -> Int? { optionalDouble(key).map { Int($0) } }
    package func bool(_ key: String) -> Bool { if case .bool(let b)? = value(key) { b } else { false } }
    package func optionalBool(_ key: String) -> Bool? { if case .bool(let b)? = value(key) { b } else { nil } }
    package func optionalString(_ key: String) -> String? { if case .string(let s)? = value(key) { s } else { nil } }
    package func string(_ key: String) -> String {
        guard let s = optionalString(key) else { preconditionFailure("\(key) is not set") }
        return s
    }
    /// An `intOrInts` key; a list must hold one value per client.
    package func perClient(_ key: String, clients n: Int) throws -> ScenarioConfig.PerClient {
        guard case .array(let items)? = value(key) else { return .all(int(key)) }
        guard items.count == n else { throw ScenarioError(key: key, reason: "a list of \(items.count) values for \(n) clients") }
        return .each(items.map { Int($0.doubleValue ?? 0) })
    }

    // MARK: The config

    package func decode() throws -> ScenarioConfig {
        let clients = try decodeClients()
        return ScenarioConfig(
            name: string("name"), label: optionalString("label"),
            seeds: (value("seeds")?.arrayValue ?? []).map { UInt64($0.doubleValue ?? 0) },
            schedule: decodeSchedule(), training: decodeTraining(),
            model: .init(base: string("model.base"), context: int("model.context"), loraAlpha: double("model.lora_alpha")),
            data: try decodeData(clients: clients.count), dataResidentBytes: int("data.resident_mib") << 20, clients: clients.value,
            method: try decodeMethod(clients: clients.count), policy: decodePolicy(), heterogeneity: decodeHeterogeneity(),
            outputs: .init(dir: string("outputs.dir"), saveAdapters: bool("outputs.save_adapters"), checkpointEvery: int("checkpoint_every")),
            numerics: bool("numerics"), wireFP16: bool("wire_fp16"))
    }

    package func decodeSchedule() -> ScenarioConfig.Schedule {
        .init(rounds: int("rounds"), localSteps: int("local_steps"), evalEvery: int("eval_every"), evalWindows: int("eval_windows"),
              evalWhen: RunEvaluation.Moment(rawValue: string("eval_when"))!, evalClients: EvalClients(value("eval_clients"))!,
              targetPPL: optionalDouble("target_ppl"))
    }

    package func decodeTraining() -> ScenarioConfig.Training {
        .init(batch: int("batch"), microBatch: int("micro_batch"), lr: double("method.lr"), lambdaLB: double("method.lambda_lb"),
              weightDecay: double("method.weight_decay"))
    }

    package func decodeData(clients n: Int) throws -> ScenarioConfig.DataSpec {
        var spec = SyntheticCorpus.Spec()
        spec.clients = n
        spec.tokens = try perClient("data.synthetic.tokens", clients: n).given
        spec.privateShare = double("data.synthetic.private_share")
        spec.divergence = double("data.synthetic.divergence")
        spec.shared = double("data.synthetic.shared")
        spec.seed = UInt64(int("data.synthetic.seed"))
        // `data.path` is required with a folder: `ScenarioConfig.check` says so (an empty path never validates).
        return string("data.source") == "folder" ? .folder(path: optionalString("data.path") ?? "") : .synthetic(spec)
    }

    package func decodeMethod(clients n: Int) throws -> ScenarioConfig.MethodSpec {
        .init(descriptor: try MethodRegistry.descriptor(string("method.name")), ranks: try perClient("method.rank", clients: n),
              experts: optionalInt("method.experts"), generalists: int("method.generalists"),
              specialists: try perClient("method.specialists", clients: n),
              topK: optionalInt("method.top_k"), generalistImportance: double("method.generalist_importance"),
              router: RouterSchedule(every: int("method.router_every"), iters: int("method.router_iters"),
                                     data: string("method.router_data") == "train" ? .train : .valid),
              pclWindows: int("method.pcl_windows"), hetLoRALambda: double("method.hetlora_lambda"), hetLoRAGamma: double("method.hetlora_gamma"),
              fitSpecialists: bool("method.fit_specialists"), reference: string("compat") == "reference")
    }

    package func decodePolicy() -> ScenarioConfig.Policy {
        let round: RoundPolicy = switch string("policy.name") {
        case "deadline": .deadline(seconds: double("policy.deadline_s"), partial: bool("policy.partial"))
        case "overselect": .overselect(extra: int("policy.extra"))
        case "async": .async(buffer: int("policy.buffer"), maxStaleness: int("policy.max_staleness"))
        default: .sync
        }
        return .init(round: round, clientsPerRound: int("policy.clients_per_round"))
    }

    package func decodeHeterogeneity() -> ScenarioConfig.Heterogeneity {
        let straggler: Straggler = switch string("heterogeneity.straggler.kind") {
        case "fixed": .fixed(probability: double("heterogeneity.straggler.probability"), factor: double("heterogeneity.straggler.factor"))
        case "lognormal": .logNormal(sigma: double("heterogeneity.straggler.sigma"))
        default: .none
        }
        return .init(straggler: straggler, dropout: Dropout(unavailable: double("heterogeneity.dropout.unavailable"),
                                                              failure: double("heterogeneity.dropout.failure")))
    }

    // MARK: Clients

    /// The clients and their count (a population's is required: checked first, as the rest reads it).
    package func decodeClients() throws -> (value: ScenarioConfig.Clients, count: Int) {
        switch value("clients") {
        case .object?:
            let p = try decodePopulation()
            return (.population(p), p.count)
        case .array(let items)?:
            let listed = try items.enumerated().map { i, item in
                try ScenarioDecoder(item, pattern: "clients[]", log: log).decodeClient(i)
            }
            return (.listed(listed), listed.count)
        default: preconditionFailure("clients is resolved to a list or a population")
        }
    }

    /// One client's object (this decoder reads `clients[].…` on the client's own object).
    package func decodeClient(_ i: Int) throws -> ScenarioConfig.ClientSpec {
        var d = DeviceProfile.named(string("clients[].device"))!
        if let g = optionalDouble("clients[].gflops") { d.flops = g * 1e9 }
        if let m = optionalDouble("clients[].memory_mib") { d.memory = Int(m * 1_048_576) }
        if let u = optionalDouble("clients[].upload_mbps") { d.upload = u * 1e6 / 8 }
        if let v = optionalDouble("clients[].download_mbps") { d.download = v * 1e6 / 8 }
        if let a = optionalDouble("clients[].availability") { d.availability = a }
        // A window appears in the resolved tree only when given (then with its default phase).
        let period = optionalDouble("clients[].window.period_s"), on = optionalDouble("clients[].window.on_s")
        let phase = optionalDouble("clients[].window.phase_s")
        var window: ScenarioConfig.Window?
        if tree["window"] != nil {
            let w = "clients[\(i)].window"
            guard let period else { throw ScenarioError(key: w + ".period_s", reason: "required for a window") }
            guard let on else { throw ScenarioError(key: w + ".on_s", reason: "required for a window") }
            window = .init(periodS: period, onS: on, phaseS: phase!)
        }
        return .init(name: optionalString("clients[].name"), device: d, window: window)
    }

    /// A population object: its count and exactly one source of devices, a trace or class shares summing to 1.
    package func decodePopulation() throws -> ScenarioConfig.Population {
        guard let count = optionalInt("clients.count") else {
            throw ScenarioError(key: "clients.count", reason: "required in a population object (with clients.trace or clients.classes)")
        }
        let trace = optionalString("clients.trace"), classes = tree["clients"]?["classes"] != nil
        if (trace != nil) == classes {
            throw ScenarioError(key: "clients", reason: trace != nil ? "a population has clients.trace or clients.classes, not both"
                                : "a population needs clients.trace or clients.classes")
        }
        let availability = optionalString("clients.availability"), replace = optionalBool("clients.replace")
        for (key, given) in [("clients.availability", availability != nil), ("clients.replace", replace != nil)] where trace == nil && given {
            throw ScenarioError(key: key, reason: "only for a population drawn from clients.trace")
        }
        let shares = DeviceProfile.classes.map { optionalDouble("clients.classes.\($0.name)") ?? 0 }
        let seed = UInt64(int("clients.seed"))
        if let trace { return .init(count: count, seed: seed, source: .trace(devices: trace, availability: availability, replace: replace ?? true)) }
        let sum = shares.reduce(0, +)
        guard abs(sum - 1) <= 1e-6 else { throw ScenarioError(key: "clients.classes", reason: "the shares sum to \(sum), not 1") }
        return .init(count: count, seed: seed, source: .classes(shares: shares))
    }
}
