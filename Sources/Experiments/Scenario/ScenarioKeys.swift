import Tensor
import Simulator

/// The type and range of a scenario key.
package enum KeyType: Sendable {
    case int(ClosedRange<Int>)
    case number(ClosedRange<Double>)
    case bool
    case string
    /// A string that becomes part of a file or folder name (`FileName`).
    case fileName
    case choice([String])
    /// A list of distinct integers in range (non-empty).
    case ints(ClosedRange<Int>)
    /// One integer for every client, or a list with one per client.
    case intOrInts(ClosedRange<Int>)
    /// A count of default clients, or a list of client objects (keys `clients[].…`).
    case clients
    /// One of these strings, or an integer in range.
    case choiceOrInt([String], ClosedRange<Int>)

    package var summary: String {
        switch self {
        case .int(let r): "integer in \(Self.range(r))"
        case .number(let r): "number in \(Self.range(r))"
        case .bool: "boolean"
        case .string: "string"
        case .fileName: "string usable in a file name (1–\(FileName.maxBytes) bytes, no '/', '\\' or control characters, not starting with '.')"
        case .choice(let c): c.map { "\"\($0)\"" }.joined(separator: " | ")
        case .ints(let r): "list of distinct integers in \(Self.range(r))"
        case .intOrInts(let r): "integer in \(Self.range(r)), or a list of them (one per client)"
        case .clients: "integer (that many default clients), list of client objects, or population object"
        case .choiceOrInt(let c, let r): (c.map { "\"\($0)\"" } + ["integer in \(Self.range(r))"]).joined(separator: " | ")
        }
    }

    package static func range(_ r: ClosedRange<Int>) -> String {
        r.upperBound == Int.max ? "\(r.lowerBound)…" : "\(r.lowerBound)…\(r.upperBound)"
    }

    package static func range(_ r: ClosedRange<Double>) -> String { "[\(format(r.lowerBound)), \(format(r.upperBound))]" }

    package static func format(_ v: Double) -> String { v == v.rounded() && v.magnitude < 1e9 ? String(Int(v)) : "\(v)" }
}

/// One scenario key: its dotted path (`clients[].device` for keys of every
/// client), type, default (nil: unset unless given) and meaning. This table is
/// the single source for the validator, `comigs help scenario` and docs/scenarios.md.
package struct ScenarioKey: Sendable {
    package let path: String
    package let type: KeyType
    package let defaultValue: JSON?
    package let doc: String

    package init(_ path: String, _ type: KeyType, _ defaultValue: JSON?, _ doc: String) {
        self.path = path
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }
}

package enum ScenarioKeys {
    package static let big = Int.max
    package static let all: [ScenarioKey] = [
        ScenarioKey("name", .fileName, .string("scenario"), "Name of the scenario; run folders are named after it (<name>-<method>-seed<S>)."),
        ScenarioKey("label", .string, nil, "Row label in reports and sweeps (default: the method name)."),
        ScenarioKey("seeds", .ints(0...Int(Int32.max)), .array([.int(0)]),
                    "The run repeats once per seed (adapters, batches, heterogeneity draws); one run folder each. No seed twice (a repeat would count twice in reports' mean ± std)."),
        ScenarioKey("rounds", .int(0...100_000), .int(20),
                    "Communication rounds (server versions under the async policy). 0 evaluates the untrained base: the \"Pretrained\" row."),
        ScenarioKey("local_steps", .int(1...1_000_000), .int(10), "Optimisation steps per client per round."),
        ScenarioKey("batch", .int(1...65_536), .int(64), "Sequences per optimisation step (the centralized method uses 256)."),
        ScenarioKey("micro_batch", .int(1...4096), .int(8), "Sequences per forward/backward pass; gradients accumulate over batch/micro_batch passes."),
        ScenarioKey("eval_every", .int(1...100_000), .int(1),
                    "Evaluate every this many rounds (always before training and after the last round)."),
        ScenarioKey("eval_windows", .int(0...big), .int(0),
                    "Test windows per client an evaluation scores: that many random windows over the whole test split, the same ones in every evaluation of a seed (0: every full non-overlapping window of the split)."),
        ScenarioKey("eval_when", .choice(["before_aggregation", "after_aggregation"]), .string("before_aggregation"),
                    "Score each client after its local steps and before the server aggregates (the original's order), or after it sent the new global back."),
        ScenarioKey("eval_clients", .choiceOrInt(EvalClients.names, 1...big), nil,
                    "Whom an evaluation scores (unset: \"all\"). \"all\": every client at every evaluation. N: a fixed panel of N clients (at most the number of clients) drawn once per seed (stream \"eval-clients\", a partial Fisher–Yates draw, sorted) and scored at every evaluation, so curves follow the same clients. \"participants\": after round r, the clients whose local training ran in round r (selected, whether or not their update arrived; a client that fails or goes offline mid-round trains nothing; async: those whose training ended in that version); round 0, before training, scores no one, so base_ppl, base_misfits and the base-fit warning are left out. A centralized run scores its one model on the chosen clients' splits (participants: every client's, in a round it trained). metrics.jsonl and routing.jsonl hold lines of the scored clients only; in summary.json a client the last evaluation did not score has test_ppl null, mean_test_ppl (and the target_ppl check) is the mean over those it scored, and eval_clients is recorded unless \"all\"."),
        ScenarioKey("target_ppl", .number(1...1e9), nil,
                    "Report time_to_target_s: the simulated time of the first evaluation whose mean test perplexity (over the clients it scored, eval_clients) is at most this."),
        ScenarioKey("numerics", .bool, .bool(true),
                    "false: cost-only mode — time, bytes and memory from the cost model, no tensors (thousands of clients)."),
        ScenarioKey("wire_fp16", .bool, .bool(false), "Count shared parameters as float16 on the wire (bytes and transfer time only)."),

        ScenarioKey("model.base", .string, .string("models/synthetic-byte-tiny.safetensors"),
                    "Pretrained base: a comigs safetensors checkpoint or a Hugging Face GPT-2 folder (relative to the current directory)."),
        ScenarioKey("model.context", .int(0...65_536), .int(0), "Training sequence length (0: the base's context)."),
        ScenarioKey("model.lora_alpha", .number(0.001...10_000), .double(16), "LoRA alpha; the scale is alpha/sqrt(rank)."),

        ScenarioKey("data.source", .choice(["synthetic", "folder"]), .string("synthetic"),
                    "\"synthetic\": the built-in corpus (no download); \"folder\": token files prepared by `comigs data` (data.path)."),
        ScenarioKey("data.path", .string, nil, "Prepared data folder (holding <num_clients>/meta.json, or that folder itself)."),
        ScenarioKey("data.resident_mib", .int(0...1_048_576), .int(1024),
                    "Memory kept for the clients' token splits, MiB: each client's are loaded (a folder's files read, the synthetic corpus generated from its seed) when it first trains or is scored; past this, the least recently used are dropped and loaded again when needed."),
        ScenarioKey("data.synthetic.tokens", .intOrInts(1000...100_000_000), .int(SyntheticCorpus.Spec().tokens[0]),
                    "Synthetic tokens per client over all splits (80/10/10); fewer make Local overfit."),
        ScenarioKey("data.synthetic.private_share", .number(0...1), .double(SyntheticCorpus.Spec().privateShare),
                    "Long-run share P of each client's tokens in its dialect (the hidden origin switches per token, in runs of about 8/P dialect tokens)."),
        ScenarioKey("data.synthetic.divergence", .number(0...1), .double(SyntheticCorpus.Spec().divergence),
                    "Weight D of the client's private chain in its dialect, (1 − D)·general + D·private (0: no heterogeneity; 1: a language of its own on the same tokens)."),
        ScenarioKey("data.synthetic.shared", .number(0...1), .double(SyntheticCorpus.Spec().shared),
                    "Share S of a regional chain, common to every client's dialect and unseen by the base, in each private chain (D·S of a dialect; 0: dialects unrelated)."),
        ScenarioKey("data.synthetic.seed", .int(0...Int(Int32.max)), .int(0), "Seed of the synthetic corpus (independent of the run seeds)."),

        ScenarioKey("clients", .clients, .int(4),
                    "The clients: a count of mid-range phones, one object per client (keys clients[].…), or a population object (keys clients.…: a count drawn from a device trace or by shares of the device classes; docs/traces.md)."),
        ScenarioKey("clients[].name", .string, nil, "Client name in tables (default: the data's client name)."),
        ScenarioKey("clients[].device", .choice(DeviceProfile.classes.map(\.name)), .string("mid"),
                    "Device class: low (budget 4×A55), mid (4×A78), high (X4 flagship); see DeviceProfile.swift for figures and sources."),
        ScenarioKey("clients[].gflops", .number(0.001...1e6), nil, "Override: sustained training GFLOP/s."),
        ScenarioKey("clients[].memory_mib", .number(1...1e7), nil, "Override: memory the app may use, MiB."),
        ScenarioKey("clients[].upload_mbps", .number(0.001...1e6), nil, "Override: upload bandwidth, Mbit/s."),
        ScenarioKey("clients[].download_mbps", .number(0.001...1e6), nil, "Override: download bandwidth, Mbit/s."),
        ScenarioKey("clients[].availability", .number(0...1), nil, "Override: probability of being available in a round."),
        ScenarioKey("clients[].window.period_s", .number(0.001...1e9), nil, "Availability window: on for on_s seconds of every period_s."),
        ScenarioKey("clients[].window.on_s", .number(0...1e9), nil, "Seconds on per period."),
        ScenarioKey("clients[].window.phase_s", .number(0...1e9), .double(0), "Shift of the window, seconds."),
        ScenarioKey("clients.count", .int(1...10_000_000), nil, "Population: the number of clients (required in a population object)."),
        ScenarioKey("clients.trace", .string, nil,
                    "Population drawn from a device trace: a CSV with the header device_id,gflops,upload_mbps,download_mbps,memory_mib, one row per device (relative to the current directory)."),
        ScenarioKey("clients.availability", .string, nil,
                    "trace: a CSV of its devices' active intervals, header device_id,period_s,start_s,end_s, repeating every period_s from simulated time 0; a listed device takes a round only inside an interval and leaves it, its update lost, when the interval ends (unlisted devices are always on)."),
        ScenarioKey("clients.replace", .bool, nil,
                    "trace: draw devices with replacement (unset: true); false draws distinct devices (count at most the trace's devices)."),
        ScenarioKey("clients.seed", .int(0...Int(Int32.max)), .int(0),
                    "Population: seed of the draw from the trace or of the shuffle of the class shares (independent of the run seeds)."),
    ] + DeviceProfile.classes.map { d in
        ScenarioKey("clients.classes.\(d.name)", .number(0...1), nil,
                    "Population by shares: the share of \(d.name) devices (the shares sum to 1; largest-remainder counts, then a seeded shuffle).")
    } + [

        ScenarioKey("compat", .choice(["paper", "reference"]), .string("paper"),
                    "\"paper\": each method as its paper describes it; \"reference\": where the original code (the CoMiGS repository) departs from that, what the code does (README, \"compat\")."),
        ScenarioKey("method.name", .choice(MethodRegistry.names), .string("comigs"), "The collaboration method (docs/design.md §4)."),
        ScenarioKey("method.rank", .intOrInts(1...1024), .int(8),
                    "LoRA rank (per expert); a per-client list only for flexlora and hetlora."),
        ScenarioKey("method.experts", .int(1...64), nil,
                    "MLP LoRA experts: a routed mixture for fedavg-moe and local-moe, averaged with no router for local, fedavg, pcl, centralized, ffa-lora and fedsa-lora (default 2, and 1 for ffa-lora and fedsa-lora, as the runscripts); the other methods fix their own."),
        ScenarioKey("method.generalists", .int(0...64), .int(1), "comigs: shared generalist experts."),
        ScenarioKey("method.specialists", .intOrInts(0...64), .int(1), "comigs: private specialists (one value, or one per client)."),
        ScenarioKey("method.top_k", .int(1...64), nil, "Experts per token (default min(2, experts)); must not exceed any client's experts."),
        ScenarioKey("method.generalist_importance", .number(0.01...0.99), .double(0.5), "Load-balancing importance of expert 0 (CoMiGS's generalist; docs/design.md §3)."),
        ScenarioKey("method.lambda_lb", .number(0...100), .double(0.01), "Weight of the load-balancing loss."),
        ScenarioKey("method.lr", .number(1e-7...10), .double(2e-3), "Peak learning rate (cosine to lr/10 over the run's local steps)."),
        ScenarioKey("method.weight_decay", .number(0...10), .double(0.01), "AdamW weight decay on LoRA weights."),
        ScenarioKey("method.router_every", .int(1...1_000_000), .int(30), "comigs: router update after every this many expert steps (counted across rounds)."),
        ScenarioKey("method.router_iters", .int(0...1_000_000), .int(10), "comigs: router steps per router update (own AdamW, constant lr)."),
        ScenarioKey("method.router_data", .choice(["valid", "train"]), .string("valid"),
                    "comigs: the split router steps read; \"train\" is the CoMiGS-train ablation."),
        ScenarioKey("method.fit_specialists", .bool, .bool(false),
                    "comigs: give a client that cannot hold its specialists the most that fit in its memory (else a load error)."),
        ScenarioKey("method.pcl_windows", .int(1...100_000), .int(1280),
                    "pcl: random validation windows scored per (model, client) pair for the trust weights (the original's 20 batches × 64)."),
        ScenarioKey("method.hetlora_lambda", .number(0...100), .double(0.01), "hetlora: rank-regulariser weight."),
        ScenarioKey("method.hetlora_gamma", .number(0...1), .double(0.99), "hetlora: self-pruning threshold."),

        ScenarioKey("policy.name", .choice(["sync", "deadline", "overselect", "async"]), .string("sync"),
                    "Round policy: wait for all, a deadline, over-selection, or FedBuff async (averaging servers only)."),
        ScenarioKey("policy.clients_per_round", .int(0...big), .int(0), "K clients selected per round among the available (0: all)."),
        ScenarioKey("policy.deadline_s", .number(0.000001...1e9), .double(60), "deadline: seconds after a round starts."),
        ScenarioKey("policy.partial", .bool, .bool(false),
                    "deadline: a client sends the local steps that fit instead of being dropped; one for which not one step fits is timed as without partial (downloads, is dropped at the deadline) and trains nothing."),
        ScenarioKey("policy.extra", .int(1...big), .int(1), "overselect: clients selected beyond K (the first K to finish count)."),
        ScenarioKey("policy.buffer", .int(1...big), .int(2), "async: arrivals per aggregation (K of FedBuff: the global moves by Σ Δ/√(1+staleness) / K)."),
        ScenarioKey("policy.max_staleness", .int(0...big), .int(4), "async: updates staler than this many versions are dropped."),

        ScenarioKey("heterogeneity.straggler.kind", .choice(["none", "fixed", "lognormal"]), .string("none"),
                    "Per-round compute slowdown: none, factor k with probability p, or exp(|N(0, sigma²)|)."),
        ScenarioKey("heterogeneity.straggler.probability", .number(0...1), .double(0.1), "fixed: probability of a slow round."),
        ScenarioKey("heterogeneity.straggler.factor", .number(1...1e6), .double(4), "fixed: slowdown factor."),
        ScenarioKey("heterogeneity.straggler.sigma", .number(0...10), .double(0.5), "lognormal: sigma."),
        ScenarioKey("heterogeneity.dropout.unavailable", .number(0...1), .double(0), "Probability a client sits a round out."),
        ScenarioKey("heterogeneity.dropout.failure", .number(0...1), .double(0), "Probability a client fails mid-round (its update never arrives)."),

        ScenarioKey("checkpoint_every", .int(0...100_000), .int(5),
                    "Write a checkpoint every this many rounds (0: never) for `comigs run --resume`; not under the async policy, whose clients are never between rounds (an async run resumes by starting over)."),
        ScenarioKey("outputs.dir", .string, .string("runs"), "Folder that receives the run folders (--out overrides)."),
        ScenarioKey("outputs.save_adapters", .bool, .bool(true), "Write each client's adapters and routers as the run's last evaluation scored them (clients/client-<i>.safetensors): `comigs eval --run`, `export` and `trace` read them."),
    ]

    /// Keys that were removed, and what replaces them (named in the error).
    package static let retired: [(path: String, replacement: String)] = [
        ("eval_tokens", "eval_windows (random windows over the whole test split; a prefix of the split is no longer scored)"),
    ]

    package static func key(_ path: String) -> ScenarioKey? { all.first { $0.path == path } }

    /// Whether `prefix` names an object holding keys (e.g. "method", "clients[].window").
    package static func isSection(_ prefix: String) -> Bool { all.contains { $0.path.hasPrefix(prefix + ".") } }
}
