import Experiments
import Foundation
import Simulator
import Tensor

enum BenchCommand {
    static let usage = """
        usage: comigs bench engine [--config gpt-tiny|comigs-tiny|all] [--threads N] [--steps S]
               comigs bench gemm
               comigs bench kernels
               comigs bench eval [--windows W]
               comigs bench events [--clients N] [--rounds R]
               comigs bench workers [--rounds R] [--steps S]
               comigs bench methods [--rounds R] [--steps S] [--batch B] [--private-share P] [--seeds N]

        Times training steps after 3 warm-up steps and prints, per run, a JSON line with
        config, threads, ms_per_step, tokens_per_s, gflops, kernels (the code path). Without --config and
        --threads it runs both configs at 1 and 2 threads. `--threads N` splits each batch
        into N shards trained concurrently (BLAS stays single-threaded).

        gemm times the matrix products of one training step on every kernel path this CPU
        runs and on OpenBLAS (median of 7, one thread), prints a GFLOP/s table and a JSON
        line per shape, and checks that every path gave the same bits. On an avx2, avx512 or
        neon path it also measures one core's FMA peak (a register-resident fma loop) and
        gives each product's share of it on the widest path.

        kernels prints the kernel paths this CPU runs and the one in use (the widest, or
        COMIGS_KERNELS), as JSON: {"active": "avx2", "supported": ["generic", "fma", "avx2"]}.

        eval scores W random windows (default 64) of the comigs-tiny model (median of 5, one
        thread) with the training forward, as evaluation ran before it had a forward-only path (8
        windows per forward), and with the forward-only path at 1, 2, 4, 8 and 16 windows per
        forward; prints a JSON line per variant (path, windows_per_forward, ms, tokens_per_s,
        same_bits: its loss bit-identical to the training forward's, kernels).

        events runs the cost-only scheduler with every client selected in every round, mixed
        device classes, stragglers and dropouts (default 100,000 clients × 100 rounds) and
        prints JSON with clients, rounds, events, events_per_s, wall_s.

        workers times a numeric 4-client FedAvg simulation (synthetic corpus, the
        pretrained synthetic base, batch 64 in micro-batches of 8) with 1 and 2 workers and
        prints JSON with both wall times and their ratio.

        methods runs every method of the registry through the run pipeline, in memory, on the
        default synthetic corpus (4 mid-range phones, private share P, default 0.5) from the
        pretrained synthetic base: R sync rounds × S local steps of batch B (PCL's trust weights
        on 256 validation windows per pair; FlexLoRA and HetLoRA ranks 16, 32, 32, 32), each
        client scored as any run scores it, on every full window of its test split. It prints the
        corpus's Bayes floor on those windows and a markdown table of mean test perplexity (mean
        ± std over N seeds; a pooled method: 1 seed), its ratio to the floor and bytes uploaded per
        client (mean over clients).
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--config", "--threads", "--steps", "--clients", "--rounds", "--batch",
                                             "--private-share", "--seeds", "--windows"])
        let bench = try a.subcommand(["engine", "gemm", "kernels", "eval", "events", "workers", "methods"])
        try a.refuseOperands(beyond: 1)
        if bench == "methods" {
            try methods(rounds: try a.int("--rounds", default: 10, range: 1...1000), steps: try a.int("--steps", default: 5, range: 1...1000),
                        batch: try a.int("--batch", default: 32, range: 8...4096), share: try a.double("--private-share", default: SyntheticCorpus.Spec().privateShare, range: 0...1),
                        seeds: try a.int("--seeds", default: 3, range: 1...100))
            return
        }
        if bench == "events" {
            let r = try EventBenchmark.run(clients: try a.int("--clients", default: 100_000, range: 1...10_000_000),
                                       rounds: try a.int("--rounds", default: 100, range: 1...1_000_000))
            note(String(format: "%d clients × %d rounds: %d events in %.2f s (%.2f M events/s)",
                        r.clients, r.rounds, r.events, r.wall_s, r.events_per_s / 1e6))
            try printJSON(r)
            return
        }
        if bench == "eval" {
            for r in try EvalBenchmark.run(windows: try a.int("--windows", default: 64, range: 1...100_000)) {
                note(String(format: "%@, %d windows per forward: %.1f ms, %.0f tokens/s%@", r.path, r.windows_per_forward, r.ms,
                            r.tokens_per_s, r.same_bits ? "" : " — NOT the training forward's bits"))
                try printJSON(r)
            }
            return
        }
        if bench == "gemm" {
            try gemm()
            return
        }
        if bench == "kernels" {
            try printJSON(KernelsReport(active: MatMul.activePath.name,
                                        supported: MatMul.Path.allCases.filter(\.isSupported).map(\.name)))
            return
        }
        if bench == "workers" {
            try workers(rounds: try a.int("--rounds", default: 2, range: 1...1000), steps: try a.int("--steps", default: 5, range: 1...1000))
            return
        }
        let configs = a.string("--config").map { $0 == "all" ? EngineBenchmark.configs : [$0] } ?? EngineBenchmark.configs
        for c in configs where EngineBenchmark.adapters(for: c) == nil {
            throw Misuse(description: "--config: unknown config '\(c)' (known: \(EngineBenchmark.configs.joined(separator: ", ")), all)")
        }
        let threads = a.string("--threads") != nil ? [try a.int("--threads", default: 1, range: 1...64)] : [1, 2]
        let steps = try a.int("--steps", default: 20, range: 1...100_000)
        for c in configs {
            for t in threads {
                let r = try EngineBenchmark.run(config: c, threads: t, steps: steps)
                note(String(format: "%@ threads=%d: %.1f ms/step, %.0f tokens/s, %.1f GFLOP/s (kernels %@)",
                            c, t, r.ms_per_step, r.tokens_per_s, r.gflops, r.kernels))
                try printJSON(r)
            }
        }
    }

    static func gemm() throws {
        let widest = MatMul.Path.allCases.last(where: \.isSupported)!
        let peak = GemmBenchmark.peak(widest)
        let results = GemmBenchmark.run(peak: peak)
        let engines = MatMul.Path.allCases.filter(\.isSupported).map(\.name) + ["openblas"]
        let shareColumn = peak == nil ? "" : " \(widest.name) / peak |"
        note("| product | m×n×k | " + engines.joined(separator: " | ") + " | paths agree |" + shareColumn)
        note("|---|---|" + String(repeating: "---|", count: engines.count + (peak == nil ? 1 : 2)))
        for r in results {
            let cells = engines.map { String(format: "%.1f", r.gflops[$0] ?? 0) }
            let share = r.share_of_peak.map { String(format: " %.0f%% |", 100 * $0) } ?? ""
            note("| \(r.shape) | \(r.m)×\(r.n)×\(r.k) | " + cells.joined(separator: " | ") + " | \(r.paths_agree ? "yes" : "NO") |" + share)
        }
        note("GFLOP/s, one thread; OpenBLAS core: \(OpenBLAS.coreName)")
        if let peak {
            note(String(format: "FMA peak of one core on the %@ path (a register-resident fma loop): %.1f GFLOP/s", widest.name, peak))
        }
        for r in results { try printJSON(r) }
        guard results.allSatisfy(\.paths_agree) else { throw CheckFailed(description: "kernel paths gave different bits") }
    }

    /// `bench kernels`: the path in use and every path the CPU supports.
    struct KernelsReport: Codable {
        var active: String
        var supported: [String]
    }

    struct WorkersResult: Codable {
        var clients: Int
        var rounds: Int
        var steps: Int
        var wall_s_1_worker: Double
        var wall_s_2_workers: Double
        var ratio: Double
    }

    static func workers(rounds: Int, steps: Int) throws {
        let base = try Checkpoint.load("models/synthetic-byte-tiny.safetensors")
        let corpus = SyntheticCorpus(SyntheticCorpus.Spec())
        let data = corpus.clients()
        var wall: [Double] = []
        for w in [1, 2] {
            let fed = try Federation(base: base, data: data, strategy: FedAvg(), training: TrainingConfig(totalSteps: rounds * steps),
                                     seed: 0, workers: w)
            let clients = (0..<4).map { i in
                SimClient(device: .mid, stepFlops: 1e9, localSteps: steps, uploadBytes: fed.sharedBytes(i), downloadBytes: fed.sharedBytes(i))
            }
            let sim = Simulation(clients: clients, config: SimulationConfig(rounds: rounds))
            sim.numerics = fed
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try sim.run()
            wall.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            note(String(format: "%d worker(s): %.1f s", w, wall.last!))
        }
        try printJSON(WorkersResult(clients: 4, rounds: rounds, steps: steps, wall_s_1_worker: wall[0], wall_s_2_workers: wall[1],
                                    ratio: wall[1] / wall[0]))
    }

    /// The bench's scenario for one method: the default synthetic corpus at private share `share`,
    /// four mid-range phones, `rounds` sync rounds × `steps` local steps of batch `batch`, PCL's
    /// trust weights on 256 validation windows per pair, per-client ranks [16, 32, 32, 32] where
    /// the method has them, scored as any run is (`RunEvaluation`) on every full window of each
    /// client's test split, at round 0 and after the last round.
    static func methodScenario(_ method: MethodDescriptor, rounds: Int, steps: Int, batch: Int, share: Double, seeds: Int) throws -> Scenario {
        var sets = ["name=bench-methods", "method.name=\(method.name)", "rounds=\(rounds)", "local_steps=\(steps)", "batch=\(batch)",
                    "eval_every=\(rounds)", "eval_windows=0", "data.synthetic.private_share=\(share)", "method.pcl_windows=256",
                    "outputs.save_adapters=false", "seeds=[\((0..<seeds).map(String.init).joined(separator: ","))]"]
        if method.perClientRanks { sets.append("method.rank=[16,32,32,32]") }
        let phones = JSON.array(Array(repeating: .object([("device", .string("mid"))]), count: 4))
        return try Scenario.make(.object([("data", .object([("source", .string("synthetic"))])), ("clients", phones)]), overrides: sets)
    }

    static func methods(rounds: Int, steps: Int, batch: Int, share: Double, seeds: Int) throws {
        // Unbuffered, so a long run shows each row as it finishes.
        func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
        var header = false
        for method in MethodRegistry.all {
            let scenario = try methodScenario(method, rounds: rounds, steps: steps, batch: batch, share: share, seeds: method.pooled ? 1 : seeds)
            let inputs = try RunInputs.load(scenario.config), t0 = DispatchTime.now().uptimeNanoseconds
            let runs = try scenario.seeds.map { seed in
                try ScenarioRun(scenario, seed: seed, inputs: inputs, workers: ProcessInfo.processInfo.activeProcessorCount, quiet: true).run(into: nil).summary
            }
            let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            // Every seed scores the same windows: the floor and the base's perplexity are the first run's.
            let floor = runs[0].bayesMeanPPL ?? .nan
            if !header {
                let base = mean(runs[0].clients.compactMap(\.basePPL))
                emit(String(format: "Bayes floor (mean over clients of the exact optimum): %.3f", floor))
                emit("")
                emit("| method | mean test ppl | ppl / floor | bytes up per client | wall s |")
                emit("|---|---|---|---|---|")
                emit(String(format: "| pretrained base | %.3f | %.3f | 0 | 0 |", base, base / floor))
                header = true
            }
            let p = runs.compactMap(\.meanTestPPL), m = mean(p)
            let std = (p.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(1, p.count - 1))).squareRoot()
            emit(String(format: "| %@ | %.3f ± %.3f (%d seed%@) | %.3f | %d | %.0f |", method.name, m, std, p.count, p.count == 1 ? "" : "s",
                        m / floor, runs[0].bytesUp / runs[0].clients.count, wall))
        }
    }
}
