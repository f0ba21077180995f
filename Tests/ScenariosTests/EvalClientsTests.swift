import Foundation
import Tensor
import XCTest
@testable import Experiments

/// `eval_clients`: whom each evaluation scores. 12 synthetic clients, 3 per round, 2 rounds, run
/// through `ScenarioRun` into a folder; metrics.jsonl must hold exactly the chosen clients at
/// every evaluation and summary.json must record the choice.
final class EvalClientsTests: XCTestCase {
    static let clients = 12

    func scenario(_ sets: [String]) throws -> Scenario {
        let base = ["name=pop", "rounds=2", "local_steps=2", "batch=4", "micro_batch=4", "eval_windows=4", "clients=\(Self.clients)",
                    "data.synthetic.tokens=2000", "policy.clients_per_round=3", "outputs.save_adapters=false", "checkpoint_every=0",
                    "model.base=\(packageRoot)/models/synthetic-byte-tiny.safetensors"]
        return try Scenario.make(.object([("data", .object([("source", .string("synthetic"))]))]), overrides: base + sets)
    }

    struct Outputs {
        var folder: RunFolder
        var metrics: [MetricsRecord]
        var rounds: [RoundRecord]
        var summary: JSON

        /// The clients scored at each evaluation (rounds done 0, 1, 2), in file order.
        func scored(round: Int) -> [Int] { metrics.filter { $0.round == round }.map(\.client) }
    }

    func run(_ sets: [String]) throws -> Outputs {
        let out = try temporaryDirectory("eval-clients")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: out) }
        let folder = try ScenarioRun.start(try scenario(sets), seed: 0, out: out, workers: 2, quiet: true)
        let summary = try JSON.parse(try Data(contentsOf: URL(fileURLWithPath: folder.file("summary.json"))))
        return Outputs(folder: folder, metrics: try JSONLines.read(folder.file("metrics.jsonl")),
                       rounds: try JSONLines.read(folder.file("rounds.jsonl")), summary: summary)
    }

    /// The summary's per-client test perplexities (nil: null).
    func testPPL(_ o: Outputs) -> [Double?] { (o.summary["clients"]?.arrayValue ?? []).map { $0["test_ppl"]?.doubleValue } }

    /// Unset and "all" score every client at every evaluation, with the same bytes, and leave the
    /// choice out of summary.json.
    func testAllScoresEveryClientAndMatchesTheDefault() throws {
        let unset = try run([]), all = try run(["eval_clients=all"])
        for r in 0...2 { XCTAssertEqual(unset.scored(round: r), Array(0..<Self.clients), "round \(r)") }
        XCTAssertNil(unset.summary["eval_clients"])
        for f in ["metrics.jsonl", "routing.jsonl", "rounds.jsonl", "events.jsonl", "summary.json", "summary.md"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: unset.folder.file(f))),
                           try Data(contentsOf: URL(fileURLWithPath: all.folder.file(f))), f)
        }
    }

    /// N: the same panel at every evaluation, the documented draw (the run seed's "eval-clients"
    /// stream, a partial Fisher–Yates draw, sorted); the others are null in summary.json.
    func testSampleScoresTheSamePanelEveryEvaluation() throws {
        let o = try run(["eval_clients=4"])
        var pool = Array(0..<Self.clients), rng = RNG(seed: 0, stream: "eval-clients")
        for j in 0..<4 { pool.swapAt(j, j + rng.int(below: Self.clients - j)) }
        let panel = pool[..<4].sorted()
        for r in 0...2 { XCTAssertEqual(o.scored(round: r), panel, "round \(r)") }
        XCTAssertEqual(o.summary["eval_clients"], .int(4))
        let ppl = testPPL(o)
        XCTAssertEqual(ppl.indices.filter { ppl[$0] != nil }, panel)
        let last = o.metrics.filter { $0.round == 2 }.map(\.testPPL)
        XCTAssertEqual(o.summary["mean_test_ppl"]?.doubleValue, last.reduce(0, +) / Double(last.count))
        let md = try String(contentsOfFile: o.folder.file("summary.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("Mean test perplexity over the 4 of 12 clients the last evaluation scored (eval_clients 4): "), md)
        XCTAssertEqual((o.summary["clients"]?.arrayValue ?? []).filter { $0["base_ppl"] != nil }.count, 4, "round 0 scored the panel only")
        let report = try Report.collect([o.folder.path]).markdown
        XCTAssertTrue(report.contains(String(format: "%.2f (over 4 of 12 clients)", o.summary["mean_test_ppl"]?.doubleValue ?? 0)), report)
    }

    /// participants: no one at round 0; after round r, the clients selected in it whose training
    /// ran: one dropped by over-selection did train, one that failed (sync: it always fails,
    /// nothing cancels it first) trained nothing.
    func testParticipantsAreTheClientsThatTrained() throws {
        let over = try run(["eval_clients=participants", "policy.name=overselect", "policy.extra=1"])
        XCTAssertEqual(over.scored(round: 0), [])
        XCTAssertEqual(over.rounds.count, 2)
        for r in over.rounds {
            XCTAssertFalse(r.dropped.isEmpty, "round \(r.round): the client over-selection drops")
            XCTAssertEqual(over.scored(round: r.round + 1), r.selected, "round \(r.round)")
        }
        XCTAssertEqual(over.summary["eval_clients"], .string("participants"))
        XCTAssertEqual(testPPL(over).compactMap { $0 }.count, over.scored(round: 2).count)
        XCTAssertNil(over.summary["base_misfits"], "round 0 scored no one: the base's fit is unknown")
        let failing = try run(["eval_clients=participants", "heterogeneity.dropout.failure=0.4"])
        XCTAssertTrue(failing.rounds.contains { !$0.failed.isEmpty }, "a client that failed")
        for r in failing.rounds {
            XCTAssertEqual(failing.scored(round: r.round + 1), r.selected.filter { !r.failed.contains($0) }, "round \(r.round)")
        }
    }

    /// participants under the async policy: the clients whose training ended in the version.
    func testAsyncParticipantsAreTheClientsWhoseTrainingEnded() throws {
        let o = try run(["eval_clients=participants", "method.name=fedavg", "policy.name=async", "policy.buffer=2"])
        let events: [EventRecord] = try JSONLines.read(o.folder.file("events.jsonl"))
        for v in 0..<2 {
            let ended = Set(events.filter { $0.kind == .trainingDone && $0.round == v }.compactMap(\.client)).sorted()
            XCTAssertFalse(ended.isEmpty)
            XCTAssertEqual(o.scored(round: v + 1), ended, "version \(v)")
        }
    }

    /// The centralized method's one model: on every client's split in a round it trained, none at round 0.
    func testPooledParticipantsAreEveryClient() throws {
        let o = try run(["eval_clients=participants", "method.name=centralized", "rounds=1"])
        XCTAssertEqual(o.scored(round: 0), [])
        XCTAssertEqual(o.scored(round: 1), Array(0..<Self.clients))
    }

    func testBadValuesNameTheKey() throws {
        for (value, reason) in [("0", "0 is out of range 1…"), ("13", "13 exceeds the 12 clients"), ("some", "unknown value \"some\""),
                                ("[4]", "got a list")] {
            XCTAssertThrowsError(try scenario(["eval_clients=\(value)"]), value) { e in
                XCTAssertTrue("\(e)".hasPrefix("eval_clients: ") && "\(e)".contains(reason), "\(e)")
            }
        }
    }
}
