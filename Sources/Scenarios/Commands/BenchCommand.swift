import Foundation
import Simulator
import Tensor

enum BenchCommand {
    static let usage = """
        usage: comigs bench engine [--config gpt-tiny|comigs-tiny|all] [--threads N] [--steps S]
               comigs bench events [--clients N] [--rounds R]
               comigs bench workers [--rounds R] [--steps S]

        Times training steps after 3 warm-up steps and prints, per run, a JSON line with
        config, threads, ms_per_step, tokens_per_s, gflops, blas_core. Without --config and
        --threads it runs both configs at 1 and 2 threads. `--threads N` splits each batch
        into N shards trained concurrently (BLAS stays single-threaded).

        events runs the cost-only scheduler with every client selected in every round, mixed
        device classes, stragglers and dropouts (default 100,000 clients × 100 rounds) and
        prints JSON with clients, rounds, events, events_per_s, wall_s.

        workers times a numeric 4-client FedAvg simulation (synthetic corpus, the
        pretrained synthetic base, batch 64 in micro-batches of 8) with 1 and 2 workers and
        prints JSON with both wall times and their ratio.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--config", "--threads", "--steps", "--clients", "--rounds"])
        if a.positional == ["events"] {
            let r = EventBenchmark.run(clients: try a.int("--clients", default: 100_000, range: 1...10_000_000),
                                       rounds: try a.int("--rounds", default: 100, range: 1...1_000_000))
            note(String(format: "%d clients × %d rounds: %d events in %.2f s (%.2f M events/s)",
                        r.clients, r.rounds, r.events, r.wall_s, r.events_per_s / 1e6))
            try printJSON(r)
            return
        }
        if a.positional == ["workers"] {
            try workers(rounds: try a.int("--rounds", default: 2, range: 1...1000), steps: try a.int("--steps", default: 5, range: 1...1000))
            return
        }
        guard a.positional == ["engine"] else { throw UsageError(description: "bench: expected 'bench engine' or 'bench events'\n" + usage) }
        let configs = a.string("--config").map { $0 == "all" ? EngineBenchmark.configs : [$0] } ?? EngineBenchmark.configs
        for c in configs where EngineBenchmark.adapters(for: c) == nil {
            throw UsageError(description: "--config: unknown config '\(c)' (known: \(EngineBenchmark.configs.joined(separator: ", ")), all)")
        }
        let threads = a.string("--threads") != nil ? [try a.int("--threads", default: 1, range: 1...64)] : [1, 2]
        let steps = try a.int("--steps", default: 20, range: 1...100_000)
        for c in configs {
            for t in threads {
                let r = try EngineBenchmark.run(config: c, threads: t, steps: steps)
                note(String(format: "%@ threads=%d: %.1f ms/step, %.0f tokens/s, %.1f GFLOP/s (BLAS core %@)",
                            c, t, r.ms_per_step, r.tokens_per_s, r.gflops, r.blas_core))
                try printJSON(r)
            }
        }
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
            _ = sim.run()
            wall.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            note(String(format: "%d worker(s): %.1f s", w, wall.last!))
        }
        try printJSON(WorkersResult(clients: 4, rounds: rounds, steps: steps, wall_s_1_worker: wall[0], wall_s_2_workers: wall[1],
                                    ratio: wall[1] / wall[0]))
    }
}
