import Foundation
import Tensor
import Simulator
import XCTest
@testable import Experiments

final class ScenarioTests: XCTestCase {
    func scenario(_ text: String, _ overrides: [String] = []) throws -> Scenario {
        try Scenario.make(try JSON.parse(text), overrides: overrides)
    }

    /// The error a bad scenario gives: its key and reason.
    func error(_ text: String, _ overrides: [String] = []) -> ScenarioError? {
        do { _ = try scenario(text, overrides) } catch let e as ScenarioError { return e } catch { XCTFail("\(error)") }
        return nil
    }

    func testDefaultsAreThePaperProtocol() throws {
        let s = try scenario("{}"), c = s.config
        XCTAssertEqual(c.clientCount, 4)
        XCTAssertEqual(c.schedule.rounds, 20)
        XCTAssertEqual(c.schedule.localSteps, 10)
        XCTAssertEqual(c.training.batch, 64)
        XCTAssertEqual(c.training.microBatch, 8)
        XCTAssertEqual(c.training.lr, 2e-3)
        XCTAssertEqual(c.method.router.every, 30)
        XCTAssertEqual(c.method.router.iters, 10)
        XCTAssertEqual(c.training.lambdaLB, 0.01)
        XCTAssertEqual(c.method.generalistImportance, 0.5)
        XCTAssertEqual(c.listedClients[3].device.name, "mid")
        XCTAssertNil(c.listedClients[0].window)
        XCTAssertEqual(s.seeds, [0])
        // The resolved scenario re-validates to itself.
        XCTAssertEqual(try Scenario.make(s.resolved).resolved, s.resolved)
    }

    func testOverrides() throws {
        let s = try scenario(#"{"clients": 3}"#, ["method.name=fedavg", "rounds=2", "clients.1.device=low", "seeds=[4,5]", "name=a b"])
        XCTAssertEqual(s.config.method.name, "fedavg")
        XCTAssertEqual(s.config.schedule.rounds, 2)
        XCTAssertEqual(s.config.listedClients[1].device.name, "low")
        XCTAssertEqual(s.config.listedClients[0].device.name, "mid")
        XCTAssertEqual(s.seeds, [4, 5])
        XCTAssertEqual(s.name, "a b")
        XCTAssertEqual(error("{}", ["rounds=two"])?.key, "rounds")
        XCTAssertEqual(error("{}", ["clients.9.device=low"])?.key, "clients.9")
        XCTAssertEqual(error("{}", ["rounds"])?.key, "--set rounds")
    }

    func testEveryErrorClassNamesTheKey() {
        let cases: [(String, String, String)] = [
            (#"{"rouns": 3}"#, "rouns", "did you mean 'rounds'"),
            (#"{"method": {"nme": "fedavg"}}"#, "method.nme", "did you mean 'method.name'"),
            (#"{"clients": [{"device": "low", "colour": 1}]}"#, "clients[0].colour", "unknown key"),
            (#"{"rounds": "3"}"#, "rounds", "expected an integer"),
            (#"{"rounds": 2.5}"#, "rounds", "expected an integer"),
            (#"{"numerics": 1}"#, "numerics", "expected true or false"),
            (#"{"method": "comigs"}"#, "method", "expected an object"),
            (#"{"rounds": -1}"#, "rounds", "out of range"),
            (#"{"method": {"lr": 0}}"#, "method.lr", "out of range"),
            (#"{"method": {"name": "fedprox"}}"#, "method.name", "unknown value"),
            (#"{"clients": [{"device": "tablet"}]}"#, "clients[0].device", "unknown value"),
            (#"{"seeds": []}"#, "seeds", "non-empty"),
            (#"{"seeds": [1, "2"]}"#, "seeds[1]", "expected an integer"),
            (#"{"clients": []}"#, "clients", "at least one"),
            (#"{"method": {"name": "comigs", "generalists": 1, "specialists": 1, "top_k": 3}}"#, "method.top_k", "exceeds"),
            (#"{"method": {"name": "fedavg", "top_k": 2}}"#, "method.top_k", "has no router"),
            (#"{"method": {"name": "flexlora", "experts": 2}}"#, "method.experts", "gives client 0 1 expert(s)"),
            (#"{"eval_tokens": 4096}"#, "eval_tokens", "use eval_windows"),
            (#"{"method": {"name": "hetlora", "rank": [16, 32]}}"#, "method.rank", "2 values for 4 clients"),
            (#"{"method": {"name": "fedavg", "rank": [8, 16, 8, 8]}}"#, "method.rank", "flexlora and hetlora"),
            (#"{"method": {"name": "fedavg", "specialists": [1, 2, 1, 1]}}"#, "method.specialists", "for comigs"),
            (#"{"method": {"generalists": 0, "specialists": [0, 1, 1, 1]}}"#, "method.specialists", "no expert"),
            (#"{"batch": 64, "micro_batch": 24}"#, "micro_batch", "does not divide"),
            (#"{"data": {"source": "folder"}}"#, "data.path", "required"),
            (#"{"policy": {"name": "overselect", "extra": 1}}"#, "policy.extra", "more than the 4 clients"),
            (#"{"policy": {"clients_per_round": 5}}"#, "policy.clients_per_round", "exceeds"),
            (#"{"clients": [{"window": {"period_s": 10}}]}"#, "clients[0].window.on_s", "required"),
            (#"{"clients": [{"window": {"period_s": 10, "on_s": 20}}]}"#, "clients[0].window.on_s", "exceeds the period"),
            (#"[1, 2]"#, "(top level)", "expected an object"),
            (#"{"clients": "four"}"#, "clients", "expected a count, a list of client objects or a population object"),
            (#"{"clients": {"trace": "t.csv"}}"#, "clients.count", "required"),
            (#"{"clients": {"count": 0, "classes": {"mid": 1}}}"#, "clients.count", "out of range"),
            (#"{"clients": {"count": 10}}"#, "clients", "needs clients.trace or clients.classes"),
            (#"{"clients": {"count": 10, "trace": "t.csv", "classes": {"mid": 1}}}"#, "clients", "not both"),
            (#"{"clients": {"count": 10, "classes": {"low": 0.5, "mid": 0.4}}}"#, "clients.classes", "the shares sum to 0.9"),
            (#"{"clients": {"count": 10, "classes": {"mid": 1}, "replace": false}}"#, "clients.replace", "only for a population drawn from clients.trace"),
            (#"{"clients": {"count": 10, "classes": {"mid": 1}, "availability": "a.csv"}}"#, "clients.availability", "only for"),
            (#"{"clients": {"count": 10, "classes": {"tablet": 1}}}"#, "clients.classes.tablet", "unknown key"),
            (#"{"clients": {"cont": 10, "classes": {"mid": 1}}}"#, "clients.cont", "did you mean 'clients.count'"),
            (#"{"clients": {"count": 10, "classes": {"mid": 1.5}}}"#, "clients.classes.mid", "out of range"),
        ]
        for (text, key, reason) in cases {
            guard let e = error(text) else { XCTFail("accepted: \(text)"); continue }
            XCTAssertEqual(e.key, key, text)
            XCTAssertTrue(e.reason.contains(reason), "\(text): \(e.reason)")
        }
    }

    /// `method.top_k` is accepted exactly for the methods whose mixture has a router, and the
    /// rest are told they have none (not that k exceeds their one expert).
    func testTopKOnlyForRoutedMethods() {
        let routed = ["comigs", "fedavg-moe", "local-moe", "pfedmoe"]
        for name in MethodRegistry.names {
            let e = error(#"{"method": {"name": "\#(name)", "top_k": 1}}"#)
            if routed.contains(name) {
                XCTAssertNil(e, "\(name): \(e?.reason ?? "")")
            } else {
                XCTAssertEqual(e?.key, "method.top_k", name)
                XCTAssertTrue(e?.reason.contains("has no router") == true, "\(name): \(e?.reason ?? "accepted")")
            }
        }
    }

    /// Issue 17 §1: a population object stays a count with its source (never one object per
    /// client, so 100k clients resolve as fast as 4), and re-validates to itself.
    func testPopulationResolvesWithoutListingClients() throws {
        let s = try scenario(#"{"clients": {"count": 100000, "classes": {"low": 0.3, "mid": 0.7}}}"#)
        XCTAssertTrue(s.config.isPopulation)
        XCTAssertEqual(s.config.clientCount, 100_000)
        XCTAssertEqual(s.resolved["clients"], try JSON.parse(#"{"count": 100000, "seed": 0, "classes": {"low": 0.3, "mid": 0.7}}"#))
        XCTAssertEqual(try Scenario.make(s.resolved).resolved, s.resolved)
        XCTAssertEqual(try scenario(#"{"clients": {"count": 10, "trace": "t.csv"}}"#, ["clients.count=20"]).config.clientCount, 20)
        XCTAssertEqual(error(#"{"clients": {"count": 10, "trace": "t.csv"}}"#, ["clients.0.device=low"])?.key, "clients.0")
        XCTAssertEqual(try scenario(#"{"clients": 3}"#).config.clientCount, 3)
        XCTAssertFalse(try scenario(#"{"clients": 3}"#).config.isPopulation)
    }

    func testMalformedJSONNamesTheFile() throws {
        let dir = try temporaryDirectory("json")
        let path = dir + "/bad.json"
        try Data(#"{"rounds": 3,"#.utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Scenario.load(path)) { e in
            XCTAssertEqual((e as? ScenarioError)?.key, path)
            XCTAssertTrue("\(e)".contains("line 1"), "\(e)")
        }
        XCTAssertThrowsError(try Scenario.load(dir + "/missing.json")) { XCTAssertTrue("\($0)".contains("no such file")) }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        XCTAssertThrowsError(try JSON.parse(deep)) { XCTAssertTrue("\($0)".contains("nested deeper")) }
        XCTAssertThrowsError(try JSON.parse(#"{"a": 1, "a": 2}"#)) { XCTAssertTrue("\($0)".contains("duplicate key 'a'")) }
    }

    func testDocsAreUpToDate() throws {
        let path = packageRoot + "/docs/scenarios.md"
        let committed = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(committed, ScenarioDocs.markdown + "\n",
                       "docs/scenarios.md is stale: swift run -c release comigs help scenario --markdown > docs/scenarios.md")
        for key in ScenarioKeys.all { XCTAssertTrue(ScenarioDocs.text.contains(key.path)) }
    }

    /// Load-time errors need the base and data: the command exits 2 with one line naming the key.
    func testCommandExitsTwoNamingTheKey() throws {
        let dir = try temporaryDirectory("cli")
        let cases: [(String, String)] = [
            (#"{"rounds": 1, "clients": [{"memory_mib": 5}, {}, {}, {}]}"#, "clients[0]: client0 needs"),
            (#"{"rounds": 1, "data": {"source": "folder", "path": "/nonexistent/data"}}"#, "data.path: /nonexistent/data"),
            (#"{"rounds": 1, "model": {"base": "/nonexistent.safetensors"}}"#, "model.base: /nonexistent.safetensors"),
            (#"{"rounds": 1, "model": {"context": 4096}}"#, "model.context: 4096 exceeds"),
            (#"{"rounds": 1, "data": {"synthetic": {"tokens": 1000}}}"#, "data.synthetic.tokens: client 0"),
            (#"{"rounds": 1, "method": {"rank": 0}}"#, "method.rank: 0 is out of range"),
        ]
        for (i, (text, message)) in cases.enumerated() {
            let path = dir + "/s\(i).json"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let r = try comigs(["run", path, "--out", dir + "/runs", "--quiet"], cwd: packageRoot)
            XCTAssertEqual(r.status, 2, text)
            XCTAssertTrue(r.stderr.contains(message), "\(text): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        // Nothing was written for a scenario that failed to load.
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/runs/scenario-comigs-seed0/summary.json"))
    }
}
