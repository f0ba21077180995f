import Foundation
import Simulator
import Tensor

enum BenchCommand {
    static let usage = """
        usage: comigs bench engine [--config gpt-tiny|comigs-tiny|all] [--threads N] [--steps S]
               comigs bench gemm
               comigs bench kernels
               comigs bench events [--clients N] [--rounds R]
               comigs bench workers [--rounds R] [--steps S]
               comigs bench methods [--rounds R] [--steps S] [--batch B] [--private-share P] [--seeds N]

        Times training steps after 3 warm-up steps and prints, per run, a JSON line with
        config, threads, ms_per_step, tokens_per_s, gflops, kernels (the code path). Without --config and
        --threads it runs both configs at 1 and 2 threads. `--threads N` splits each batch
        into N shards trained concurrently (BLAS stays single-threaded).

        gemm times the matrix products of one training step on every kernel path this CPU
        runs and on OpenBLAS (median of 7, one thread), prints a GFLOP/s table and a JSON
        line per shape, and checks that every path gave the same bits.

        kernels prints the kernel paths this CPU runs and the one in use (the widest, or
        COMIGS_KERNELS), as JSON: {"active": "avx2", "supported": ["generic", "avx2"]}.

        events runs the cost-only scheduler with every client selected in every round, mixed
        device classes, stragglers and dropouts (default 100,000 clients × 100 rounds) and
        prints JSON with clients, rounds, events, events_per_s, wall_s.

        workers times a numeric 4-client FedAvg simulation (synthetic corpus, the
        pretrained synthetic base, batch 64 in micro-batches of 8) with 1 and 2 workers and
        prints JSON with both wall times and their ratio.

        methods runs every method of the registry on the default synthetic corpus (4 clients,
        private share P, default 0.5) from the pretrained synthetic base, R rounds × S local
        steps of batch B (no-communication methods: 1 round × R·S steps; PCL's trust weights on
        256 validation windows per pair), and prints the corpus's Bayes floor and a markdown table
        of mean test perplexity (mean ± std over N seeds), its ratio to the floor and bytes
        uploaded per client.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--config", "--threads", "--steps", "--clients", "--rounds", "--batch",
                                             "--private-share", "--seeds"])
        let bench = try a.subcommand(["engine", "gemm", "kernels", "events", "workers", "methods"])
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
        let results = GemmBenchmark.run()
        let engines = MatMul.Path.allCases.filter(\.isSupported).map(\.name) + ["openblas"]
        note("| product | m×n×k | " + engines.joined(separator: " | ") + " | paths agree |")
        note("|---|---|" + String(repeating: "---|", count: engines.count) + "---|")
        for r in results {
            let cells = engines.map { String(format: "%.1f", r.gflops[$0] ?? 0) }
            note("| \(r.shape) | \(r.m)×\(r.n)×\(r.k) | " + cells.joined(separator: " | ") + " | \(r.paths_agree ? "yes" : "NO") |")
        }
        note("GFLOP/s, one thread; OpenBLAS core: \(OpenBLAS.coreName)")
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

    /// One method on one seed: mean test perplexity over clients and bytes each client uploaded.
    static func runMethod(_ name: String, base: GPT, data: [ClientData], rounds: Int, steps: Int, batch: Int,
                          seed: UInt64) throws -> (ppl: Double, bytes: Int) {
        let method = try MethodRegistry.descriptor(name)
        var options = MethodOptions()
        options.ranks = method.perClientRanks ? [16, 32, 32, 32] : [8]
        options.pclWindows = 256  // as the small paper protocol (README: Paper tables)
        // A method whose clients share nothing trains alone: one round of every local step.
        let alone = try !method.pooled && ScenarioRun.sharedValues(base.config, method.make(options).adapters(client: 0), method.make(options)) == 0
        let (r, s) = alone ? (1, rounds * steps) : (rounds, steps)
        options.rounds = r  // FDLoRA fuses after the last
        let strategy = method.make(options)
        var t = TrainingConfig(totalSteps: r * s)
        t.batch = batch
        let pooled = method.pooled
        let fed = try Federation(base: base, data: pooled ? [ClientData.pooled(data)] : data, strategy: strategy, training: t,
                                 seed: seed, workers: 2)
        let clients = (0..<fed.count).map { i in
            SimClient(device: .mid, stepFlops: 1e9, localSteps: s, uploadBytes: fed.sharedBytes(i), downloadBytes: fed.sharedBytes(i))
        }
        let sim = Simulation(clients: clients, config: SimulationConfig(rounds: r, seed: seed))
        sim.numerics = fed
        let outcomes = try sim.run()
        let bytes = outcomes.reduce(0) { $0 + $1.arrived.filter { $0.client == 0 }.count } * fed.sharedBytes(0)
        let models = pooled ? Array(repeating: fed.model(0), count: data.count) : (0..<data.count).map { fed.model($0) }
        let ppl = zip(models, data).map { m, c in
            (c.tokens[.test] ?? []).withUnsafeBufferPointer { Evaluation.evaluate(m, tokens: $0, context: m.config.blockSize).ppl }
        }
        return (ppl.reduce(0, +) / Double(ppl.count), bytes)
    }

    static func methods(rounds: Int, steps: Int, batch: Int, share: Double, seeds: Int) throws {
        let base = try Checkpoint.load("models/synthetic-byte-tiny.safetensors")
        var spec = SyntheticCorpus.Spec()
        spec.privateShare = share
        let corpus = SyntheticCorpus(spec), data = corpus.clients()
        let basePPL = data.map { c in
            (c.tokens[.test] ?? []).withUnsafeBufferPointer { Evaluation.evaluate(base, tokens: $0, context: 128).ppl }
        }.reduce(0, +) / Double(data.count)
        // The same floor and ratio as a run's summary (`bayes_mean_ppl`, `ppl_over_bayes`).
        let floor = corpus.bayesTestPerplexity(data, context: SyntheticCorpus.bayesContext).reduce(0, +) / Double(data.count)
        // Unbuffered, so a long run shows each row as it finishes.
        func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
        emit(String(format: "Bayes floor (mean over clients of the exact optimum): %.3f", floor))
        emit("")
        emit("| method | mean test ppl | ppl / floor | bytes up per client | wall s |")
        emit("|---|---|---|---|---|")
        emit(String(format: "| pretrained base | %.3f | %.3f | 0 | 0 |", basePPL, basePPL / floor))
        for name in MethodRegistry.names {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let runs = try (0..<(try MethodRegistry.descriptor(name).pooled ? 1 : seeds)).map {
                try runMethod(name, base: base, data: data, rounds: rounds, steps: steps, batch: batch, seed: UInt64($0))
            }
            let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let p = runs.map(\.ppl), mean = p.reduce(0, +) / Double(p.count)
            let std = (p.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(1, p.count - 1))).squareRoot()
            emit(String(format: "| %@ | %.3f ± %.3f (%d seed%@) | %.3f | %d | %.0f |", name, mean, std, p.count, p.count == 1 ? "" : "s",
                        mean / floor, runs[0].bytes, wall))
        }
    }
}
