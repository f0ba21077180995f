import Experiments
import Foundation
import Tensor

/// A golden trace that no longer matches (exit code 1).
struct GoldenMismatch: Error, CustomStringConvertible {
    let description: String
}

/// Golden traces: small fixed scenarios whose routing and metrics
/// must not change by a single byte unless a change means to change them.
enum GoldenCommand {
    static let usage = """
        usage: comigs golden [--update] [--dir DIR]

        Re-runs every scenario DIR/<name>.json (default Tests/Golden) and compares the
        run's routing.jsonl, metrics.jsonl, events.jsonl and rounds.jsonl byte for byte
        with DIR/<name>/. The same files pass on every machine and kernel path
        (COMIGS_KERNELS=generic|fma|avx2|avx512|neon); Tests/Golden/emulated is a small set
        that emulated CPUs re-run (scripts/emulated-check.sh). Exit code 1
        and a summary of what differs when any file does. --update writes the new files
        and prints what changed. Update only when a change is meant to alter training or
        routing (a new initialisation, a fixed bug in the numerics) and say so in the commit.
        """

    static let files = ["routing.jsonl", "metrics.jsonl", "events.jsonl", "rounds.jsonl"]

    struct Difference {
        var scenario: String
        var file: String
        var summary: String
    }

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--dir"], switches: ["--update"])
        try a.refuseOperands(beyond: 0)
        let dir = a.string("--dir") ?? "Tests/Golden"
        let diffs = try compare(dir: dir, update: a.has("--update"))
        for d in diffs { print("\(d.scenario)/\(d.file): \(d.summary)") }
        if a.has("--update") {
            print(diffs.isEmpty ? "golden traces unchanged" : "updated \(diffs.count) file(s)")
        } else if !diffs.isEmpty {
            throw GoldenMismatch(description: "\(diffs.count) golden file(s) differ; if the change is intended: comigs golden --update")
        } else {
            print("golden traces match (kernels: \(MatMul.activePath.name))")
        }
    }

    /// Runs each golden scenario and returns the files that differ (writing them with `update`).
    static func compare(dir: String, update: Bool = false) throws -> [Difference] {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
        guard !names.isEmpty else { throw ScenarioError(key: dir, reason: "no golden scenarios (*.json)") }
        let scratch = NSTemporaryDirectory() + "comigs-golden-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var diffs: [Difference] = []
        for name in names {
            let stem = String(name.dropLast(5))
            let scenario = try Scenario.load("\(dir)/\(name)")
            let run = try ScenarioRun.start(scenario, seed: scenario.seeds[0], out: scratch, workers: 2, quiet: true)
            try FileManager.default.createDirectory(atPath: "\(dir)/\(stem)", withIntermediateDirectories: true)
            for file in files {
                let new = try String(contentsOfFile: run.file(file), encoding: .utf8)
                let old = try? String(contentsOfFile: "\(dir)/\(stem)/\(file)", encoding: .utf8)
                guard new != old else { continue }
                diffs.append(Difference(scenario: stem, file: file, summary: summary(old: old, new: new)))
                if update { try new.write(toFile: "\(dir)/\(stem)/\(file)", atomically: true, encoding: .utf8) }
            }
        }
        return diffs
    }

    /// "k of n lines differ; first at line i" with both versions of that line.
    static func summary(old: String?, new: String) -> String {
        guard let old else { return "new file (\(new.split(separator: "\n").count) lines)" }
        let a = old.split(separator: "\n", omittingEmptySubsequences: false), b = new.split(separator: "\n", omittingEmptySubsequences: false)
        let changed = (0..<max(a.count, b.count)).filter { $0 >= a.count || $0 >= b.count || a[$0] != b[$0] }
        guard let first = changed.first else { return "differs" }
        let was = first < a.count ? String(a[first].prefix(160)) : "(none)", now = first < b.count ? String(b[first].prefix(160)) : "(none)"
        return "\(changed.count) of \(max(a.count, b.count)) lines differ; first at line \(first + 1)\n  was: \(was)\n  now: \(now)"
    }
}
