import Foundation
import XCTest
@testable import Experiments
@testable import Tensor

/// A personalised model out of the simulator: `eval --run DIR --client I` scores a client's trained
/// model exactly as the run did, and `export` writes it where other tools read it.
final class ClientModelTests: ScratchFolderTestCase {
    /// Two clients, two rounds; scored before the last aggregation (the default), so a method that
    /// shares parameters holds, when the run ends, another model than the one it last scored.
    static let scenario = """
        {"name": "own", "rounds": 2, "local_steps": 2, "batch": 8, "eval_windows": 16,
         "data": {"synthetic": {"tokens": 20000}}, "clients": [{"device": "low"}, {"device": "mid"}]}
        """

    /// Runs the scenario with `sets` and returns the run folder.
    func run(_ sets: [String]) throws -> String {
        let file = dir + "/s.json"
        try Data(Self.scenario.utf8).write(to: URL(fileURLWithPath: file))
        let r = try comigs(["run", file, "--out", dir + "/runs", "--quiet"] + sets.flatMap { ["--set", $0] }, cwd: packageRoot)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// The JSON line `comigs eval` prints.
    func eval(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> JSON {
        let r = try comigs(["eval"] + args, cwd: packageRoot)
        XCTAssertEqual(r.status, 0, "\(args): \(r.stderr)", file: file, line: line)
        return try JSON.parse(Data((r.stdout.split(separator: "\n").last ?? "").utf8))
    }

    func object(_ path: String) throws -> JSON { try JSON.parse(Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Client `c`'s test split of the run as a token file, for `--data`.
    func testSplit(_ run: String, client c: Int) throws -> String {
        let s = try Scenario.load(run + "/scenario.json")
        let path = dir + "/\(URL(fileURLWithPath: run).lastPathComponent)-test_\(c).bin"
        try TokenFile.write(try ScenarioData.load(s.config, vocab: 256, context: 128).clients[c].tokens[.test]!, to: path)
        return path
    }

    /// The test-tools venv with torch and transformers (scripts/test-tools.sh), or a skip (a failure under CI).
    func transformers() throws -> String {
        if let python = RunExportsTests.python,
           try execute(URL(fileURLWithPath: python), ["-c", "import torch, transformers"], cwd: nil).status == 0 {
            return python
        }
        if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("no torch and transformers in the test venv; run scripts/test-tools.sh") }
        throw XCTSkip("torch and transformers missing: run scripts/test-tools.sh")
    }

    /// `transformers`' GPT2LMHeadModel on every full window of `text` (scripts/score-hf-gpt2.py).
    func transformersScore(_ python: String, _ folder: String, _ text: String) throws -> JSON {
        let r = try execute(URL(fileURLWithPath: python), [packageRoot + "/scripts/score-hf-gpt2.py", folder, text, "128"], cwd: nil)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try JSON.parse(Data((r.stdout.split(separator: "\n").last ?? "").utf8))
    }

    /// The same loss, perplexity and unigram model as summary.json and the last metrics.jsonl line of the
    /// client, bit for bit: the routed mixture with averaged generalists (comigs), averaged experts
    /// shared by FedAvg, and the centralized model scored on each client's split. `--base` scores the
    /// base: summary.json's base_ppl, the round-0 score of the untrained adapters, which add exactly
    /// zero — but the routed mixture's top-2 weights sum to 1 only up to float rounding (1e-6 relative).
    func testEvalRunScoresAsTheRunsLastEvaluation() throws {
        for method in ["comigs", "fedavg", "centralized"] {
            let r = try run(["method.name=\(method)"])
            let clients = try XCTUnwrap(try object(r + "/summary.json")["clients"]?.arrayValue)
            let metrics: [MetricsRecord] = try JSONLines.read(r + "/metrics.jsonl")
            for c in 0..<2 {
                let out = try eval(["--run", r, "--client", "\(c)"])
                XCTAssertEqual(out["loss"], clients[c]["test_loss"], "\(method) client \(c)")
                XCTAssertEqual(out["ppl"], clients[c]["test_ppl"], "\(method) client \(c)")
                XCTAssertEqual(out["unigram_ppl"], clients[c]["unigram_ppl"], "\(method) client \(c)")
                XCTAssertEqual(out["tokens"]?.doubleValue, 16 * 128)
                XCTAssertEqual(out["loss"]?.doubleValue, metrics.last { $0.client == c }?.testLoss)
                let base = try XCTUnwrap(try eval(["--run", r, "--client", "\(c)", "--base"])["ppl"]?.doubleValue)
                let basePPL = try XCTUnwrap(clients[c]["base_ppl"]?.doubleValue)
                XCTAssertEqual(base, basePPL, accuracy: basePPL * 1e-6, "\(method) client \(c)")
            }
            let adapters = try Safetensors(path: r + "/clients/client-0.safetensors").metadata
            XCTAssertEqual(adapters[ClientModel.roundKey], "2")
            XCTAssertEqual(adapters[ClientModel.scoredKey], "before_aggregation")
        }
        // FedAvg's clients hold the one global model after the last aggregation; what was scored, and
        // saved, is each client's own training.
        let fedavg = dir + "/runs/own-fedavg-seed0/clients"
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: fedavg + "/client-0.safetensors")),
                          try Data(contentsOf: URL(fileURLWithPath: fedavg + "/client-1.safetensors")))
    }

    /// Without a router the export is a Hugging Face GPT-2 folder: FedAvg's two averaged experts as one
    /// MLP twice as wide (n_inner 1024), FFA-LoRA's one expert at the base's width. `comigs eval
    /// --checkpoint` and transformers' GPT2LMHeadModel score it as the run's model, up to float
    /// rounding: the merged weights sum the float32 products of x·(W + s·B·A) in another order than
    /// W·x + s·B·(A·x), and torch's kernels in yet another, a few ulps per logit, about 1e-8 of the
    /// perplexity here; 1e-6 relative leaves a hundredfold margin and still fails a wrong merge.
    func testExportWithoutARouterIsAGPT2FolderThatScoresTheSame() throws {
        var scored: [(folder: String, text: String, ppl: Double)] = []
        for (method, inner) in [("fedavg", JSON.int(1024)), ("ffa-lora", .null)] {
            let r = try run(["method.name=\(method)"]), text = try testSplit(r, client: 1), folder = dir + "/\(method) export"
            let e = try comigs(["export", "--run", r, "--client", "1", "--out", folder], cwd: packageRoot)
            XCTAssertEqual(e.status, 0, e.stderr)
            XCTAssertEqual(e.stdout, folder + "\n")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), ["config.json", "model.safetensors"])
            XCTAssertEqual(try object(folder + "/config.json")["n_inner"], inner, method)
            let ours = try eval(["--run", r, "--client", "1", "--data", text])
            let merged = try eval(["--checkpoint", folder, "--data", text])
            let ppl = try XCTUnwrap(ours["ppl"]?.doubleValue)
            XCTAssertEqual(merged["tokens"], ours["tokens"])
            XCTAssertEqual(try XCTUnwrap(merged["ppl"]?.doubleValue), ppl, accuracy: ppl * 1e-6, method)
            scored.append((folder, text, ppl))
        }
        let python = try transformers()
        for s in scored {
            let theirs = try transformersScore(python, s.folder, s.text)
            XCTAssertEqual(try XCTUnwrap(theirs["ppl"]?.doubleValue), s.ppl, accuracy: s.ppl * 1e-6, s.folder)
        }
    }

    /// A routed mixture (CoMiGS) is written as the base (a GPT-2 folder) and the adapters, which
    /// `eval --checkpoint` reads back as exactly the run's model; transformers loads the base.
    func testExportOfARoutedMixtureIsBaseAndAdapters() throws {
        let r = try run(["method.name=comigs"]), text = try testSplit(r, client: 1), folder = dir + "/mixture"
        let e = try comigs(["export", "--run", r, "--client", "1", "--out", folder], cwd: packageRoot)
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(runFolderFiles(folder), ["adapters.safetensors", "base/config.json", "base/model.safetensors"])
        XCTAssertEqual(try eval(["--checkpoint", folder, "--data", text]), try eval(["--run", r, "--client", "1", "--data", text]))
        let base = try eval(["--run", r, "--client", "1", "--base", "--data", text])
        XCTAssertEqual(try eval(["--checkpoint", folder + "/base", "--data", text]), base)
        let theirs = try transformersScore(try transformers(), folder + "/base", text)
        let ppl = try XCTUnwrap(base["ppl"]?.doubleValue)
        XCTAssertEqual(try XCTUnwrap(theirs["ppl"]?.doubleValue), ppl, accuracy: ppl * 1e-6)
    }

    /// Each way to get it wrong: one line on stderr that says what to do, exit code 2.
    func testMistakesSayWhatToDo() throws {
        func refused(_ args: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try comigs(args, cwd: packageRoot)
            XCTAssertEqual(r.status, 2, "\(args)", file: file, line: line)
            XCTAssertEqual(r.stderr, "comigs: " + message + "\n", "\(args)", file: file, line: line)
            XCTAssertEqual(r.stdout, "", file: file, line: line)
        }
        let r = try run(["method.name=fedavg", "rounds=1", "local_steps=1", "name=kept"])
        let text = try testSplit(r, client: 0)
        try refused(["eval", "--checkpoint", r + "/clients/client-1.safetensors", "--data", text],
                    "--checkpoint: \(r)/clients/client-1.safetensors holds one client's adapters, not a whole model: score that client's model with "
                    + "'comigs eval --run \(r) --client 1', or write it out whole with 'comigs export --run \(r) --client 1 --out FOLDER'")
        try refused(["eval", "--run", r, "--client", "2"], "eval: --client: the run has 2 clients (0...1), got 2; see 'comigs help eval'")
        try refused(["eval", "--run", r, "--client", "0", "--context", "64"],
                    "eval: --context needs --data: without it the run's own windows are scored; see 'comigs help eval'")
        try refused(["eval", "--run", r, "--checkpoint", "m.safetensors", "--client", "0"], "eval: give --checkpoint or --run, not both; see 'comigs help eval'")
        try refused(["eval", "--checkpoint", "m.safetensors", "--client", "0", "--data", text], "eval: --client and --base need --run; see 'comigs help eval'")
        try refused(["export", "--run", r, "--client", "0"], "export: --out is required; see 'comigs help export'")
        try refused(["export", "--run", r, "--client", "0", "--out", r], "--out: \(r) exists and is not empty")
        try refused(["eval", "--run", dir, "--client", "0"], "--run: \(dir): no scenario.json (not a run folder)")

        let unsaved = try run(["method.name=fedavg", "rounds=1", "local_steps=1", "name=unsaved", "outputs.save_adapters=false"])
        try refused(["eval", "--run", unsaved, "--client", "0"],
                    "--run: \(unsaved) ran with outputs.save_adapters false and kept no client model; run the scenario again with it true (the default)")
        try refused(["export", "--run", unsaved, "--client", "0", "--out", dir + "/x"],
                    "--run: \(unsaved) ran with outputs.save_adapters false and kept no client model; run the scenario again with it true (the default)")
        XCTAssertNotNil(try eval(["--run", unsaved, "--client", "0", "--base"])["ppl"]?.doubleValue, "the base needs no adapters")

        let costOnly = try run(["name=cost", "numerics=false"])
        try refused(["eval", "--run", costOnly, "--client", "0"], "--run: \(costOnly) ran cost-only (numerics false): it trained no model")

        // A run that did not finish (summary.json is written last).
        try FileManager.default.removeItem(atPath: r + "/summary.json")
        try refused(["eval", "--run", r, "--client", "0"],
                    "--run: \(r) is not finished (no summary.json): finish it with 'comigs run \(r)/scenario.json --resume \(r)'")
    }
}
