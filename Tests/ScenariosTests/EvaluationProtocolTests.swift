import Foundation
import Simulator
import Tensor
import XCTest
@testable import Experiments

/// Issue 15 §1: the original's protocol — what is scored (random windows over the whole test
/// split, never a prefix), when (before the server aggregates), how many experts the baselines
/// have (two, averaged) and how routers start and decay.
final class EvaluationProtocolTests: XCTestCase {
    static let config = GPTConfig(nLayer: 1, nHead: 1, nEmbd: 8, blockSize: 8, vocabSize: 16)

    func tokens(_ n: Int, seed: UInt64) -> [Int32] {
        var rng = RNG(seed: seed, stream: "tokens")
        return (0..<n).map { _ in Int32(rng.int(below: 16)) }
    }

    /// Windows at multiples of the context are exactly the non-overlapping evaluation.
    func testWindowStartsGeneraliseTheNonOverlappingEvaluation() throws {
        let m = try GPT(config: Self.config, adapters: AdapterConfig(rank: 2), rng: RNG(seed: 1, stream: "m"))
        let data = tokens(200, seed: 2)
        let all = data.withUnsafeBufferPointer { Evaluation.evaluate(m, tokens: $0, context: 8, batch: 3) }
        let starts = data.withUnsafeBufferPointer { Evaluation.evaluate(m, tokens: $0, starts: (0..<24).map { $0 * 8 }, context: 8, batch: 3) }
        XCTAssertEqual(all, starts)
        XCTAssertEqual(all.tokens, 24 * 8)
        let shifted = data.withUnsafeBufferPointer { Evaluation.evaluate(m, tokens: $0, starts: [1, 100, 191], context: 8) }
        XCTAssertEqual(shifted.tokens, 24)
        XCTAssertNotEqual(shifted.loss, all.loss)
    }

    /// eval_windows draws from the whole split, per (seed, client), the same at every evaluation.
    func testRandomWindowsCoverTheWholeSplitAndFollowTheSeed() throws {
        let s = try Scenario.make(try JSON.parse(Data(#"{"eval_windows": 200, "clients": 2}"#.utf8)))
        let data = (0..<2).map { i in ClientData(name: "c\(i)", tokens: [.test: tokens(10_000, seed: UInt64(i))]) }
        let a = RunEvaluation(s.config, seed: 0, context: 8, data: data, federation: nil)
        let b = RunEvaluation(s.config, seed: 0, context: 8, data: data, federation: nil)
        let c = RunEvaluation(s.config, seed: 1, context: 8, data: data, federation: nil)
        XCTAssertEqual(a.starts.compactMap { $0 }, b.starts.compactMap { $0 })
        XCTAssertNotEqual(a.starts[0], c.starts[0])
        XCTAssertNotEqual(a.starts[0], a.starts[1], "clients draw their own windows")
        for st in a.starts {
            let st = try XCTUnwrap(st)
            XCTAssertEqual(st.count, 200)
            XCTAssertTrue(st.allSatisfy { $0 >= 0 && $0 + 8 < 10_000 })
            XCTAssertGreaterThan(st.max()!, 9_000, "windows reach the end of the split, not a prefix")
            XCTAssertLessThan(st.min()!, 1_000)
        }
        let whole = RunEvaluation(try Scenario.make(.object([])).config, seed: 0, context: 8, data: data, federation: nil)
        XCTAssertTrue(whole.starts.allSatisfy { $0 == nil }, "eval_windows 0: every full window of the split")
    }

    /// The removed prefix key names its replacement.
    func testEvalTokensIsRetiredWithAMessage() {
        XCTAssertThrowsError(try Scenario.make(try JSON.parse(Data(#"{"eval_tokens": 100}"#.utf8)))) { e in
            XCTAssertTrue("\(e)".contains("eval_windows"), "\(e)")
        }
    }

    /// Local, FedAvg, PCL and Centralized have two experts averaged with no router (runscripts:
    /// `-en 2 -is_no_router`); FFA-LoRA and FedSA-LoRA one; method.experts changes them.
    func testBaselinesHaveTwoAveragedExpertsByDefault() throws {
        func adapters(_ method: String, _ extra: String = "") throws -> AdapterConfig {
            let s = try Scenario.make(try JSON.parse(Data(#"{"method": {"name": "\#(method)"\#(extra)}}"#.utf8)))
            return s.config.strategy.adapters(client: 0)
        }
        for m in ["local", "fedavg", "pcl", "centralized"] {
            let a = try adapters(m)
            XCTAssertEqual(a.experts, 2, m)
            XCTAssertEqual(a.router, .mean, m)
            XCTAssertFalse(a.hasRouter, m)
        }
        for m in ["ffa-lora", "fedsa-lora", "flexlora", "hetlora", "fdlora"] { XCTAssertEqual(try adapters(m).experts, 1, m) }
        XCTAssertEqual(try adapters("fedavg", #", "experts": 3"#).experts, 3)
        XCTAssertEqual(try adapters("ffa-lora", #", "experts": 2"#).experts, 2)
        XCTAssertTrue(try adapters("pfedmoe").hasRouter)
        XCTAssertThrowsError(try adapters("hetlora", #", "experts": 2"#))
        XCTAssertThrowsError(try adapters("fedavg", #", "top_k": 1"#), "no router: top_k means nothing")
    }

    /// `compat: "reference"` moves every routed method's load-balancing loss to the block output
    /// (`BlockOutputBalance`); the paper's default keeps it on the router's own decision.
    func testReferenceCompatBalancesTheBlockOutput() throws {
        func adapters(_ top: String) throws -> AdapterConfig {
            let s = try Scenario.make(try JSON.parse(Data(#"{"method": {"name": "comigs"}\#(top)}"#.utf8)))
            return s.config.strategy.adapters(client: 0)
        }
        XCTAssertNil(try adapters("").loadBalance)
        XCTAssertFalse(try adapters("").balancesBlockOutput)
        XCTAssertTrue(try adapters(#", "compat": "reference""#).balancesBlockOutput)
    }

    /// Routers start from N(0, 0.02) and decay with the LoRA weights (the original's `router_decay` group).
    func testRouterStartsSmallAndDecays() throws {
        let cfg = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 64, blockSize: 8, vocabSize: 16)
        let m = try GPT(config: cfg, adapters: AdapterConfig(rank: 2, experts: 4), rng: RNG(seed: 3, stream: "m"))
        let routers = m.parameters.filter { $0.role == .router }
        XCTAssertEqual(routers.count, 2)
        for r in routers {
            XCTAssertTrue(r.decays)
            let v = Array(r.value.buffer), mean = v.reduce(0, +) / Float(v.count)
            let std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(v.count)).squareRoot()
            XCTAssertEqual(std, 0.02, accuracy: 0.004)
            XCTAssertGreaterThan(v.map(abs).max()!, 0.04, "normal tails beyond 2σ")
        }
    }

    /// Scoring before aggregation (the default) scores each client's own model; after, the
    /// global one. For Local nothing is aggregated, so both are the same; FDLoRA's last
    /// evaluation follows its fusion either way.
    func testScoringBeforeOrAfterAggregation() throws {
        let dir = try temporaryDirectory("eval-when")
        let file = dir + "/s.json"
        try Data(#"""
            {"name": "when", "rounds": 2, "local_steps": 2, "batch": 4, "micro_batch": 4, "eval_windows": 8,
             "model": {"context": 16}, "data": {"synthetic": {"tokens": 4000}}, "checkpoint_every": 0}
            """#.utf8).write(to: URL(fileURLWithPath: file))
        func run(_ method: String, _ when: String) throws -> (lines: [[String: Any]], summary: [String: Any]) {
            let r = try comigs(["run", file, "--out", "\(dir)/\(method)-\(when)", "--quiet", "--set", "method.name=\(method)",
                                "--set", "eval_when=\(when)"], cwd: packageRoot)
            XCTAssertEqual(r.status, 0, r.stderr)
            let folder = r.stdout.trimmingCharacters(in: .newlines)
            let lines = try String(contentsOfFile: folder + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
                .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))) as! [String: Any]
            return (lines, summary)
        }
        let loss = { (l: [[String: Any]]) in l.map { $0["test_loss"] as! Double } }
        let before = try run("fedavg", "before_aggregation"), after = try run("fedavg", "after_aggregation")
        XCTAssertEqual(before.lines.count, 12)
        XCTAssertEqual(Array(loss(before.lines).prefix(4)), Array(loss(after.lines).prefix(4)), "round 0: nothing trained")
        XCTAssertTrue(zip(loss(before.lines).suffix(4), loss(after.lines).suffix(4)).allSatisfy { $0 != $1 })
        XCTAssertEqual(Set(before.lines.map { $0["scored"] as! String }), ["before_aggregation"])
        XCTAssertEqual(Set(after.lines.map { $0["scored"] as! String }), ["after_aggregation"])
        XCTAssertEqual(before.summary["scored"] as? String, "before_aggregation")
        // After aggregation every FedAvg client holds the same global: equal test losses would
        // need equal data, so check the mean differs from the personal scores instead.
        XCTAssertNotEqual(before.summary["mean_test_ppl"] as? Double, after.summary["mean_test_ppl"] as? Double)

        XCTAssertEqual(loss(try run("local", "before_aggregation").lines), loss(try run("local", "after_aggregation").lines))

        let fd = try run("fdlora", "before_aggregation")
        XCTAssertEqual(fd.lines.map { $0["scored"] as! String }.suffix(5), ["before_aggregation"] + Array(repeating: "after_aggregation", count: 4))
        XCTAssertEqual(fd.summary["scored"] as? String, "after_aggregation")
    }
}
