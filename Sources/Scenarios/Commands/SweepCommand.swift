import Foundation
import Tensor

enum SweepCommand {
    static let usage = """
        usage: comigs sweep FILE [--out DIR] [--shard I/N] [--workers N] [--quiet] [--dry-run]

        Runs every point of a sweep file and writes DIR/sweep.csv (one line per run) and
        DIR/sweep.md (mean ± std over seeds per point and per client). A sweep file:
          {"name": "dropout",                      required
           "scenario": "base.json" | {...},        the base scenario (a path relative to the sweep file)
           "set": {"rounds": 10},                  overrides for every point
           "variants": [{"label": "FedAvg", "set": {"method.name": "fedavg"}}, ...],
           "axes": {"heterogeneity.dropout.failure": [0, 0.2, 0.4]},
           "out": "runs/sweeps/dropout",           default runs/sweeps/<name>
           "report": "results/sweeps/dropout"}     also write the tables to <report>.md and .csv
        Points are variants × the grid of axes (last axis fastest), each in its own folder
        DIR/<index>-<label>/ holding one run folder per seed. Every point is validated before
        anything runs. A run whose summary.json exists is skipped and an interrupted one
        resumes from its last checkpoint, so re-running a sweep finishes what is missing. --shard I/N runs only the points whose index ≡ I (mod N),
        for a Slurm job array or GNU parallel over machines sharing DIR (or merge the shards'
        folders with 'comigs report'). --dry-run lists the points.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--out", "--shard", "--workers"], switches: ["--quiet", "--dry-run"])
        guard a.positional.count == 1 else { throw UsageError(description: "sweep: expected one sweep file\n" + usage) }
        let sweep = try Sweep.load(a.positional[0], out: a.string("--out"))
        var shard = (index: 0, count: 1)
        if let s = a.string("--shard") {
            let parts = s.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 1, (0..<parts[1]).contains(parts[0]) else {
                throw UsageError(description: "--shard: expected I/N with 0 ≤ I < N, got '\(s)'")
            }
            shard = (parts[0], parts[1])
        }
        let workers = try a.int("--workers", default: ProcessInfo.processInfo.activeProcessorCount, range: 1...256)
        let mine = sweep.points.filter { $0.index % shard.count == shard.index }
        for p in mine {
            for seed in p.scenario.seeds {
                let run = p.folder + "/\(p.scenario.name)-\(p.scenario.method)-seed\(seed)"
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
                    try RunCommand.resume(p.scenario, RunFolder(path: run), workers: workers, quiet: a.has("--quiet"))
                } else {
                    // A folder without even its scenario holds nothing worth keeping.
                    try? FileManager.default.removeItem(atPath: run)
                    _ = try RunCommand.execute(p.scenario, seed: seed, out: p.folder, workers: workers, quiet: a.has("--quiet"))
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
        if let copy = sweep.report {
            try FileManager.default.createDirectory(atPath: (copy as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try AtomicFile.write(Data(table.utf8), to: copy + ".md")
            try AtomicFile.write(Data(report.csv.utf8), to: copy + ".csv")
            note("wrote \(copy).md and .csv")
        }
    }
}
