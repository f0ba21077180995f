import Experiments
import Foundation
import Tensor

enum SweepCommand {
    static let usage = """
        usage: comigs sweep FILE [--out DIR] [--shard I/N | --point I] [--workers N] [--quiet]
               comigs sweep FILE --status | --dry-run | --merge [--run-missing]

        Runs every point of a sweep file and writes DIR/sweep.csv (one line per run) and
        DIR/sweep.md (mean ± std over seeds per point and per client). A sweep file:
          {"name": "dropout",                      required
           "scenario": "base.json" | {...},        the base scenario (a path relative to the sweep file)
           "set": {"rounds": 10},                  overrides for every point
           "variants": [{"label": "FedAvg", "set": {"method.name": "fedavg"}}, ...],
           "axes": {"heterogeneity.dropout.failure": [0, 0.2, 0.4]},
           "out": "runs/sweeps/dropout",           default runs/sweeps/<name>
           "report": "results/sweeps/dropout"}     also copy the tables to <report>.md and .csv
        Everything a sweep writes goes under DIR (--out, else the file's out; both relative
        to the current folder). The report copy is written only into the file's own out
        (never with --out) and only once every point is finished, so a shard or a partial
        sweep never replaces a complete table. name (a file name: no '/') and every point are
        validated before anything runs; seeds may not repeat.
        Points are variants × the grid of axes (last axis fastest), each in its own folder
        DIR/<index>-<label>/ holding one run folder per seed. Every point is validated before
        anything runs. A run whose summary.json exists is skipped and an interrupted one
        resumes from its last checkpoint, so re-running a sweep finishes what is missing.
        --shard I/N runs only the points whose index ≡ I (mod N), --point I only point I: for a
        Slurm job array (scripts/slurm-sweep.sh) or GNU parallel over machines sharing DIR (or
        merge the shards' folders with 'comigs report'). --dry-run lists the points.
        --status lists every point as finished, running (a process holds a run's lock),
        interrupted (a run of it is resumable), or missing (a run of it is yet to start),
        and the sbatch line that runs exactly the unfinished, not running ones (with --out DIR
        when given). --merge only writes the tables: with any point unfinished it trains
        nothing and exits 2 listing them (--run-missing: train them here).
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--out", "--shard", "--point", "--workers"],
                              switches: ["--quiet", "--dry-run", "--status", "--merge", "--run-missing"])
        guard a.positional.count == 1 else { throw Misuse(description: "expected one sweep file") }
        let file = a.positional[0]
        let sweep = try Sweep.load(file, out: a.string("--out"))
        if a.has("--run-missing") && !a.has("--merge") { throw Misuse(description: "--run-missing goes with --merge") }
        if a.has("--status") { return status(sweep, file: file) }
        var shard = (index: 0, count: 1)
        if let s = a.string("--shard") {
            let parts = s.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 1, (0..<parts[1]).contains(parts[0]) else {
                throw Misuse(description: "--shard: expected I/N with 0 ≤ I < N, got '\(s)'")
            }
            shard = (parts[0], parts[1])
        }
        var only: Int?
        if a.string("--point") != nil {
            guard a.string("--shard") == nil else { throw Misuse(description: "--point and --shard exclude each other") }
            let n = sweep.points.count
            guard let i = Int(a.string("--point")!), (0..<n).contains(i) else {
                throw Misuse(description: "--point: \(file) has \(n) points (0…\(n - 1)), got '\(a.string("--point")!)'")
            }
            only = i
        }
        if a.has("--merge") && !a.has("--run-missing") {
            let unfinished = sweep.points.map { ($0, $0.state) }.filter { $0.1 != .finished }
            guard unfinished.isEmpty else {
                for (p, state) in unfinished { note("\(p.index)\t\(state.name)\t\(p.label)") }
                throw UsageError(description: "--merge: \(unfinished.count) of \(sweep.points.count) points are not finished; nothing trained here. "
                                 + "Run them with: \(sbatchLine(unfinished.filter { $0.1 != .running }.map(\.0.index), sweep: sweep, file: file)) "
                                 + "(or --merge --run-missing to train them locally)")
            }
        }
        let workers = try a.int("--workers", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...256)
        let mine = sweep.points.filter { p in only.map { p.index == $0 } ?? (p.index % shard.count == shard.index) }
        // Every point this process will run, checked before the first one trains.
        for p in mine where p.state != .finished {
            do { try RunInputs.preflight(p.scenario.config) } catch let e as ScenarioError {
                throw ScenarioError(key: "point \(p.index) (\(p.label))", reason: e.description)
            }
        }
        if !a.has("--dry-run") { try sweep.writeManifest() }
        for p in mine {
            for (seed, run) in zip(p.scenario.seeds, p.runs) {
                if a.has("--dry-run") { print("\(p.index)\t\(p.label)\tseed \(seed)\t\(run)"); continue }
                let finished = { FileManager.default.fileExists(atPath: run + "/summary.json") }
                if finished() {
                    if !a.has("--quiet") { note("skip \(run) (finished)") }
                    continue
                }
                guard let lock = try RunLock(run) else {
                    note("skip \(run) (another process is running it)")
                    continue
                }
                defer { withExtendedLifetime(lock) {} }
                if finished() { continue }  // finished by another process while we looked
                if FileManager.default.fileExists(atPath: run + "/scenario.json") {
                    // An interrupted run continues from its last checkpoint.
                    note("resume \(run) (interrupted)")
                    try ScenarioRun.resume(p.scenario, RunFolder(path: run), workers: workers, quiet: a.has("--quiet"))
                } else {
                    // A folder without even its scenario holds nothing worth keeping.
                    try? FileManager.default.removeItem(atPath: run)
                    _ = try ScenarioRun.start(p.scenario, seed: seed, out: p.folder, workers: workers, quiet: a.has("--quiet"))
                }
                FileHandle.standardOutput.write(Data((run + "\n").utf8))
            }
        }
        if a.has("--dry-run") { return }
        let report = try Report.collect([sweep.out])
        let table = "# \(sweep.name)\n\n" + report.markdown
        try RunFolder(path: sweep.out).write("sweep.csv", report.csv)
        try RunFolder(path: sweep.out).write("sweep.md", table)
        note("wrote \(sweep.out)/sweep.md and sweep.csv")
        let copy = sweep.reportCopy(unfinished: sweep.points.filter { $0.state != .finished }.count)
        if let why = copy.why { note(why) }
        if let path = copy.path {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try AtomicFile.write(Data(table.utf8), to: path + ".md")
            try AtomicFile.write(Data(report.csv.utf8), to: path + ".csv")
            note("wrote \(path).md and .csv")
        }
    }

    /// `sbatch --array=… scripts/slurm-sweep.sh FILE [--out DIR]`, one point per task: the
    /// invocation that runs exactly those points into the same folder.
    static func sbatchLine(_ indices: [Int], sweep: Sweep, file: String) -> String {
        indices.isEmpty ? "(nothing to submit: the rest is running)"
            : "sbatch --array=\(Sweep.arrayList(indices)) scripts/slurm-sweep.sh \(shellQuoted(file))" + (sweep.outGiven ? " --out \(shellQuoted(sweep.out))" : "")
    }

    /// A word for a POSIX shell: as is when it holds only safe characters, else single-quoted.
    static func shellQuoted(_ s: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,@%")
        return !s.isEmpty && s.allSatisfy(safe.contains) ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func status(_ sweep: Sweep, file: String) {
        var counts = [Sweep.RunStatus: Int](), todo: [Int] = []
        for p in sweep.points {
            let states = p.runs.map(Sweep.RunStatus.of), state = Sweep.RunStatus.point(states)
            counts[state, default: 0] += 1
            if state == .interrupted || state == .missing { todo.append(p.index) }
            print("\(p.index)\t\(state.name)\t\(states.filter { $0 == .finished }.count)/\(states.count) seeds\t\(p.label)")
        }
        let summary = [Sweep.RunStatus.finished, .running, .interrupted, .missing].map { "\(counts[$0] ?? 0) \($0.name)" }
        print("\(sweep.points.count) points: " + summary.joined(separator: ", "))
        if !todo.isEmpty { print(sbatchLine(todo, sweep: sweep, file: file)) }
    }
}
