import Foundation
import XCTest
@testable import Experiments
import Simulator
import Tensor

/// Issue 13 end to end: lost, late and stale updates, through the executable, with the values
/// the issue computed by hand. These look at what the server holds, so clients are scored after
/// aggregation, with FedAvg's single LoRA of that issue.
final class LostUpdateRunTests: XCTestCase {
    static let common = """
        "local_steps": 2, "batch": 4, "micro_batch": 4, "eval_windows": 8, "eval_when": "after_aggregation", "eval_every": 1, "checkpoint_every": 0,
        "data": {"source": "synthetic", "synthetic": {"tokens": 20000}}
        """

    func run(_ scenario: String, _ name: String) throws -> (dir: String, status: Int32, stderr: String) {
        let dir = try temporaryDirectory(name)
        let file = dir + "/s.json"
        try Data(scenario.utf8).write(to: URL(fileURLWithPath: file))
        let r = try comigs(["run", file, "--out", dir + "/runs", "--quiet"], cwd: packageRoot)
        return (r.stdout.split(separator: "\n").last.map(String.init) ?? "", r.status, r.stderr)
    }

    func rounds(_ dir: String) throws -> [RoundRecord] { try JSONLines.read(dir + "/rounds.jsonl") }
    func metrics(_ dir: String) throws -> [MetricsRecord] { try JSONLines.read(dir + "/metrics.jsonl") }

    /// Every round overruns the deadline, so nothing arrives: the global stays at its start,
    /// every client holds it (LoRA B = 0), and test perplexity stays at the base's.
    func testDroppedUpdatesNeverChangeTheModels() throws {
        let r = try run("""
            {"name": "deadline-leak", "rounds": 2, \(Self.common), "clients": 2, "method": {"name": "fedavg", "experts": 1},
             "policy": {"name": "deadline", "deadline_s": 0.2, "partial": false}, "outputs": {"save_adapters": true}}
            """, "leak")
        XCTAssertEqual(r.status, 0, r.stderr)
        for round in try rounds(r.dir) {
            XCTAssertEqual(round.arrived.count, 0)
            XCTAssertEqual(round.bytesUp, 0)
        }
        let metrics = try self.metrics(r.dir)
        for c in 0..<2 {
            let ppl = metrics.filter { $0.client == c }.map(\.testPPL)
            XCTAssertEqual(ppl.count, 3)
            XCTAssertEqual(Set(ppl).count, 1, "client \(c): the base's perplexity after every round")
            XCTAssertEqual(ppl[0], [132.30, 279.72][c], accuracy: 0.005)  // the base on 8 random test windows
        }
        for c in 0..<2 {
            let st = try Safetensors(path: r.dir + "/clients/client-\(c).safetensors")
            for e in st.entries where e.name.hasSuffix("lora_B") {
                let t = Tensor(e.shape)
                try st.read(e.name, into: t)
                XCTAssertTrue(t.array.allSatisfy { $0 == 0 }, "client \(c) \(e.name)")
            }
        }
    }

    /// FedBuff, buffer 1: client 1 (mid) finishes training at 0.181 s; nothing of it shows
    /// before (at 0.122 s it is still the base), and its stale update (staleness 3) moves the
    /// global at version 4.
    func testAsyncReportsNothingBeforeItsTime() throws {
        let r = try run("""
            {"name": "async-overwrite", "rounds": 4, \(Self.common), "clients": [{"device": "high"}, {"device": "mid"}],
             "method": {"name": "fedavg", "experts": 1}, "policy": {"name": "async", "buffer": 1, "max_staleness": 100},
             "outputs": {"save_adapters": false}}
            """, "async")
        XCTAssertEqual(r.status, 0, r.stderr)
        let m = try metrics(r.dir).filter { $0.client == 1 }
        XCTAssertEqual(m[1].simTime, 0.121978)
        XCTAssertEqual(m[1].step, 0)
        XCTAssertEqual(m[1].testPPL, m[0].testPPL, "still the base at 0.122 s")
        XCTAssertEqual(m[2].step, 2, "its training counts once it ended (0.181 s)")
        XCTAssertEqual(try rounds(r.dir).map(\.arrived), [[0], [0], [0], [1]])
    }

    /// CoMiGS routers train in a burst after every 3rd step; the partial deadline plans with
    /// it, so the round whose step carries the burst fits no step and its step never counts:
    /// the step counter stays 2 and the test loss is unchanged. The round itself is the one
    /// without `partial` (whose step fits in rounds 1 and 2 as well): the same events, the
    /// same end at the deadline, the same bytes — the download is counted.
    func testPartialDeadlineNeverCountsADroppedStep() throws {
        func scenario(partial: Bool) -> String {
            """
            {"name": "partial-burst", "rounds": 3, \(Self.common), "local_steps": 1, "clients": 1,
             "method": {"name": "comigs", "router_every": 3, "router_iters": 10},
             "policy": {"name": "deadline", "deadline_s": 0.6, "partial": \(partial)}, "outputs": {"save_adapters": false}}
            """.replacingOccurrences(of: "\"local_steps\": 2, ", with: "")
        }
        let r = try run(scenario(partial: true), "burst"), plain = try run(scenario(partial: false), "burst-plain")
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let rounds = try self.rounds(r.dir)
        XCTAssertEqual(rounds.map(\.dropped.count), [0, 0, 1])
        XCTAssertEqual(rounds[2].end - rounds[2].start, 0.6, accuracy: 1e-9)
        XCTAssertGreaterThan(rounds[2].bytesDown, 0)
        for file in ["rounds.jsonl", "events.jsonl"] {
            XCTAssertEqual(try String(contentsOfFile: r.dir + "/" + file, encoding: .utf8),
                           try String(contentsOfFile: plain.dir + "/" + file, encoding: .utf8), file)
        }
        let m = try metrics(r.dir)
        XCTAssertEqual(m.map(\.step), [0, 1, 2, 2])
        XCTAssertEqual(m[3].testLoss, m[2].testLoss)
        XCTAssertEqual(try metrics(plain.dir).map(\.step), [0, 1, 2, 3], "without partial the late step trained")
        XCTAssertEqual((try JSONLines.read(r.dir + "/events.jsonl") as [EventRecord]).filter { $0.kind == .dropped }.count, 1)
    }

    /// An async scenario in which no update can arrive is a bad input (exit 2, key named);
    /// a server that does not average cannot run FedBuff.
    func testAsyncWithoutPossibleArrivalsIsRejected() throws {
        for (extra, key) in [(#""heterogeneity": {"dropout": {"failure": 1.0}}, "method": {"name": "fedavg"}"#, "heterogeneity.dropout.failure"),
                             (#""heterogeneity": {"dropout": {"unavailable": 1.0}}, "method": {"name": "fedavg"}"#, "heterogeneity.dropout.unavailable"),
                             (#""method": {"name": "hetlora"}"#, "policy.name"), (#""method": {"name": "flexlora"}"#, "policy.name"),
                             (#""method": {"name": "pcl"}"#, "policy.name"), (#""method": {"name": "fdlora"}"#, "policy.name")] {
            let r = try run("""
                {"name": "never", "rounds": 2, "numerics": false, \(Self.common), "clients": 3, \(extra),
                 "policy": {"name": "async", "buffer": 2}}
                """, "never")
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("comigs: \(key):"), r.stderr)
        }
        // The capability, method by method: only servers that send everyone the mean run async.
        for name in MethodRegistry.names {
            var o = MethodOptions()
            o.ranks = [8, 8, 8]
            o.specialists = [1, 1, 1]
            let averages = try MethodRegistry.make(name, o).aggregator.averagesUpdates
            XCTAssertEqual(averages, !["pcl", "flexlora", "hetlora", "fdlora"].contains(name), name)
        }
    }

    /// Two sweeps of the same file: the second skips the point the first is running (it holds
    /// the run lock) instead of "resuming" it in the same folder.
    func testASecondSweepSkipsAPointInProgress() throws {
        let dir = try temporaryDirectory("lock")
        let sweep = """
            {"name": "locked", "scenario": {"name": "l", "rounds": 1, "numerics": false, "clients": 2},
             "variants": [{"label": "a", "set": {"method.name": "fedavg"}}], "out": "\(dir)/out"}
            """
        try Data(sweep.utf8).write(to: URL(fileURLWithPath: dir + "/sweep.json"))
        let listed = try comigs(["sweep", dir + "/sweep.json", "--dry-run"], cwd: packageRoot)
        let run = try XCTUnwrap(listed.stdout.split(separator: "\t").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        var held: RunLock? = try XCTUnwrap(try RunLock(run))
        let second = try comigs(["sweep", dir + "/sweep.json"], cwd: packageRoot)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stderr.contains("another process is running it"), second.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run + "/scenario.json"))
        held = nil
        XCTAssertNil(held)
        let third = try comigs(["sweep", dir + "/sweep.json"], cwd: packageRoot)
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/summary.json"))
    }
}
