import Experiments
import Foundation
import Simulator
import Tensor

enum RunCommand {
    static let usage = """
        usage: comigs run FILE [--out DIR] [--workers N] [--seed S] [--set dotted.key=value ...] [--quiet]
               comigs run FILE --resume RUN_DIR [--set ...] [--workers N] [--quiet]

        Runs a scenario (see 'comigs help scenario') once per seed. Each run writes a new
        folder DIR/<name>-<method>-seed<S> (DIR: --out, else the scenario's outputs.dir):
          scenario.json   the resolved scenario (every default filled in)
          metrics.jsonl   per evaluation and scored client (eval_clients): round, step, sim_time_s,
                          train_loss, test_loss, test_ppl
          routing.jsonl   per evaluation, scored client and layer of a mixture: top-1 share and mean router
                          probability per expert, entropy, routing accuracy (synthetic origin labels)
          events.jsonl    the simulated timeline, one event per line
          rounds.jsonl    per aggregation: who was selected, arrived, failed, dropped; bytes up and
                          down in total and, for each client that moved any, per client
                          (bytes_per_client: {"client", "up", "down"}, by id)
          summary.json    per-client and mean test perplexity, bytes, simulated time
          summary.md      the same as a table
          clients/        each client's adapters as the last evaluation scored them ('comigs eval --run',
                          'comigs export', 'comigs trace')
          provenance.json what produced the run, per session (the run, then each --resume): start
                          time, comigs version, git commit, compiler, kernel path, CPU, OS, workers
                          and, once the session finished the run, its wall time
        and prints each run folder on stdout as it finishes (the last line is the last run).
        --set overrides any key, validated like the file (e.g. --set method.name=fedavg --set rounds=2;
        clients.1.device=low indexes a list). --workers (default: cores) never changes results:
        the same scenario and seed give the same bytes in every file but provenance.json, the one
        file that differs between identical runs.
        Every checkpoint_every rounds a run writes RUN_DIR/checkpoints/round-<r>/; --resume continues
        an interrupted run from its last complete checkpoint (outputs written after it, torn lines
        included, are cut) and finishes with exactly the files an uninterrupted run writes
        (provenance.json aside, which lists the sessions). FILE and --set must describe the
        same scenario. summary.json appears only when a run is complete.
        Progress goes to stderr unless --quiet. Exit codes (the table in 'comigs help'): 2 bad
        scenario, data or output; 3 training diverged; 4 an async run stalled (what was written
        stays in both).
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--out", "--workers", "--seed", "--set", "--resume"], switches: ["--quiet"])
        guard a.positional.count == 1 else { throw Misuse(description: "expected one scenario file") }
        let scenario = try Scenario.load(a.positional[0], overrides: a.all("--set"))
        let seeds = a.string("--seed") != nil ? [UInt64(try a.int("--seed", default: 0, range: 0...Int(Int32.max)))] : scenario.seeds
        let workers = try a.int("--workers", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...256)
        if let dir = a.string("--resume") {
            try ScenarioRun.resume(scenario, RunFolder(path: dir), workers: workers, quiet: a.has("--quiet"))
            FileHandle.standardOutput.write(Data((dir + "\n").utf8))
            return
        }
        for seed in seeds {
            let folder = try ScenarioRun.start(scenario, seed: seed, out: a.string("--out") ?? scenario.config.outputs.dir, workers: workers,
                                     quiet: a.has("--quiet"))
            FileHandle.standardOutput.write(Data((folder.path + "\n").utf8))
        }
    }
}
