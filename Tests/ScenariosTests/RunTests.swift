import Foundation
import Tensor
import XCTest
@testable import Experiments

/// `comigs run`, `sweep` and `report` end to end, through the executable.
final class RunTests: XCTestCase {
    /// Small enough for a test: 4 clients, 2 rounds × 2 steps of 8 sequences, with
    /// stragglers and dropouts on so the timeline has something to get wrong.
    static let tiny = """
        {"name": "tiny", "rounds": 2, "local_steps": 2, "batch": 8, "eval_windows": 16,
         "data": {"synthetic": {"tokens": 20000}},
         "clients": [{"device": "low"}, {"device": "mid"}, {"device": "high"}, {"device": "mid", "availability": 0.7}],
         "heterogeneity": {"straggler": {"kind": "lognormal", "sigma": 0.5}, "dropout": {"failure": 0.2}}}
        """

    func write(_ text: String, _ dir: String, _ name: String = "s.json") throws -> String {
        let path = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func read(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Issue 4: the same scenario and seed give byte-identical run folders on 1, 2 and 4 workers:
    /// every file, the clients' adapters included, but provenance.json. Each run is its own
    /// process, so anything written in hash order (Foundation's JSONEncoder without sorted
    /// keys, a dictionary or a set) differs between them.
    func testOutputsAreIdenticalForAnyNumberOfWorkers() throws {
        let dir = try temporaryDirectory("workers")
        let file = try write(Self.tiny, dir)
        var folders: [String] = []
        for w in [1, 2, 4] {
            let r = try comigs(["run", file, "--out", "\(dir)/w\(w)", "--workers", "\(w)", "--quiet"], cwd: packageRoot)
            XCTAssertEqual(r.status, 0, r.stderr)
            folders.append(r.stdout.split(separator: "\n").last.map(String.init) ?? "")
        }
        XCTAssertEqual(runFolderFiles(folders[0]), ["clients/client-0.safetensors", "clients/client-1.safetensors", "clients/client-2.safetensors",
                                                    "clients/client-3.safetensors", "events.jsonl", "metrics.csv", "metrics.jsonl", "rounds.jsonl",
                                                    "routing.jsonl", "scenario.json", "summary.json", "summary.md", RunExports.eventFile])
        for f in folders.dropFirst() { try assertSameRunFolder(folders[0], f, "workers") }
        // The centralized model is scored on every client's test split at once (replicas).
        var centralized: [String] = []
        for w in [1, 2] {
            let r = try comigs(["run", file, "--out", "\(dir)/c\(w)", "--workers", "\(w)", "--quiet", "--set", "method.name=centralized",
                                "--set", "rounds=1", "--set", "local_steps=1"], cwd: packageRoot)
            XCTAssertEqual(r.status, 0, r.stderr)
            centralized.append(r.stdout.trimmingCharacters(in: .newlines))
        }
        try assertSameRunFolder(centralized[0], centralized[1], "centralized")
        // 4 clients evaluated before training and after each of the 2 rounds.
        let metrics = String(decoding: try read(folders[0] + "/metrics.jsonl"), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(metrics.count, 12)
        XCTAssertTrue(metrics[0].hasPrefix(#"{"round":0,"step":0,"sim_time_s":0.0,"client":0,"train_loss":null,"test_loss":"#))
    }

    /// Foundation's JSONEncoder writes object keys in its dictionaries' hash order, seeded per
    /// process: every encoder that writes output is `JSONEncoder.sortedKeys`, the one place that makes one.
    func testEveryJSONEncoderSortsItsKeys() throws {
        let sources = packageRoot + "/Sources"
        let files = (FileManager.default.enumerator(atPath: sources)?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".swift") }
        XCTAssertGreaterThan(files.count, 50)
        let making = try files.filter { try String(contentsOfFile: sources + "/" + $0, encoding: .utf8).contains("JSONEncoder()") }
        XCTAssertEqual(making, ["Tensor/JSON.swift"])
    }

    func testRunFolderHoldsEveryOutputAndIsNeverReused() throws {
        let dir = try temporaryDirectory("folder")
        let file = try write(Self.tiny, dir)
        let args = ["run", file, "--out", dir + "/runs", "--quiet", "--set", "rounds=1", "--set", "method.name=fedavg"]
        let first = try comigs(args, cwd: packageRoot), second = try comigs(args, cwd: packageRoot)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, dir + "/runs/tiny-fedavg-seed0\n")
        XCTAssertEqual(second.stdout, dir + "/runs/tiny-fedavg-seed0-2\n")
        let run = dir + "/runs/tiny-fedavg-seed0"
        for f in ["scenario.json", "metrics.jsonl", "events.jsonl", "rounds.jsonl", "summary.json", "summary.md", Provenance.file] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/" + f), f)
        }
        let summary: RunSummary = try JSONLines.object(run + "/summary.json")
        XCTAssertEqual(summary.method, "fedavg")
        XCTAssertEqual(summary.seed, 0)
        XCTAssertEqual(summary.clients.count, 4)
        XCTAssertNotNil(summary.meanTestPPL)
        // The resolved scenario runs as is and names the override.
        let resolved = try Scenario.load(run + "/scenario.json")
        XCTAssertEqual(resolved.config.method.name, "fedavg")
        XCTAssertEqual(resolved.seeds, [0])
        // Bytes: FedAvg sends every LoRA matrix; the rounds file adds up to the summary.
        let rounds: [RoundRecord] = try JSONLines.read(run + "/rounds.jsonl")
        XCTAssertEqual(rounds.map(\.bytesUp).reduce(0, +), summary.bytesUp)
    }

    func testReportGivesMeanAndStdOverSeeds() throws {
        let dir = try temporaryDirectory("report")
        for (i, ppl) in [(0, [10.0, 20.0]), (1, [14.0, 30.0])] {
            let run = dir + "/r\(i)"
            try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
            try writeJSON(RunSummary.fixture(name: "x", label: "CoMiGS", method: "comigs", seed: i,
                                             clients: [.fixture(0, "a", testPPL: ppl[0]), .fixture(1, "b", testPPL: ppl[1])],
                                             mean: (ppl[0] + ppl[1]) / 2, bytesUp: 4_000_000, simTime: 10), to: run + "/summary.json")
            // One experiment: the same resolved scenario but for the seed.
            _ = try write(#"{"name": "x", "label": "CoMiGS", "seeds": [\#(i)], "method": {"name": "comigs"}}"#, run, "scenario.json")
            // r0 ran in two sessions; r1 was killed once (no wall time recorded), so its total is unknown.
            let walls = i == 0 ? "1.5, 2.25" : "null, 4"
            _ = try write(#"{"sessions": ["# + walls.split(separator: ",").map { #"{"wall_time_s": \#($0)}"# }.joined(separator: ",") + "]}",
                          run, Provenance.file)
        }
        let r = try comigs(["report", dir + "/r0", dir + "/r1", "--csv", dir + "/runs.csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Means 15 and 22 → 18.5 ± 4.95; client a 12 ± 2.83, client b 25 ± 7.07; 2 MB per client.
        XCTAssertTrue(r.stdout.contains("| CoMiGS | 2 | 18.50 ± 4.95 | 12.00 ± 2.83 | 25.00 ± 7.07 | 2.00 | 10.0 |"), r.stdout)
        // wall_time_s, the last column, is the sum of a run's sessions (provenance.json).
        let csv = try String(contentsOfFile: dir + "/runs.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        XCTAssertEqual(csv.map { $0.last.map(String.init) }, ["wall_time_s", "3.75", ""])
    }

    func testSweepSkipsFinishedRunsAndShards() throws {
        let dir = try temporaryDirectory("sweep")
        _ = try write(Self.tiny, dir, "base.json")
        let sweep = try write("""
            {"name": "t", "scenario": "base.json", "set": {"rounds": 1, "local_steps": 1},
             "variants": [{"label": "FedAvg", "set": {"method.name": "fedavg"}}, {"label": "Local", "set": {"method.name": "local"}}],
             "axes": {"seeds": [[0], [1]]}, "out": "\(dir)/out"}
            """, dir, "sweep.json")
        let shard1 = try comigs(["sweep", sweep, "--shard", "1/2", "--quiet"], cwd: packageRoot)
        XCTAssertEqual(shard1.status, 0, shard1.stderr)
        XCTAssertEqual(shard1.stdout.split(separator: "\n").count, 2)  // points 1 and 3
        let all = try comigs(["sweep", sweep, "--quiet"], cwd: packageRoot)
        XCTAssertEqual(all.stdout.split(separator: "\n").count, 2)  // only points 0 and 2 were missing
        let again = try comigs(["sweep", sweep], cwd: packageRoot)
        XCTAssertEqual(again.stdout, "")
        XCTAssertEqual(again.stderr.components(separatedBy: "skip ").count - 1, 4)
        let csv = try String(contentsOfFile: dir + "/out/sweep.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 5)  // header + 4 runs, none twice
        XCTAssertEqual(Set(csv.dropFirst().map { $0.split(separator: ",").prefix(3).joined(separator: ",") }).count, 4)
        let bad = try write(#"{"name": "b", "variants": [{"label": "x", "set": {"method.nme": "fedavg"}}]}"#, dir, "bad.json")
        let r = try comigs(["sweep", bad], cwd: packageRoot)
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("method.nme: unknown key"), r.stderr)
    }
}
