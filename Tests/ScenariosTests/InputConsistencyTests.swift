import Foundation
import XCTest
@testable import comigs
@testable import Experiments
@testable import Simulator
@testable import Tensor

/// Issue 14: a file is checked against its own header, metadata and companion files before
/// anything runs. `comigs run` is covered case by case in Tests/BadInputs; these tests cover
/// `comigs eval`, the one shared split rule, resuming from a tampered checkpoint, and outputs
/// that would hold a non-finite number.
final class InputConsistencyTests: XCTestCase {
    static let bad = "Tests/BadInputs"

    func evaluate(_ checkpoint: String, _ data: String, _ extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try comigs(["eval", "--checkpoint", checkpoint, "--data", data] + extra, cwd: packageRoot)
    }

    func assertOneLineExit2(_ r: (status: Int32, stdout: String, stderr: String), contains: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(contains), "\(r.stderr) lacks \(contains)", file: file, line: line)
        XCTAssertFalse(r.stderr.contains("Double") || r.stderr.contains("EncodingError"), r.stderr, file: file, line: line)
    }

    /// The three cases under `eval`: a NaN and an Inf weight and unused layers are
    /// load errors naming the tensor; no internal encoding error ever reaches the user.
    func testEvalRefusesInconsistentOrNonFiniteCheckpoints() throws {
        let data = "\(Self.bad)/data/valid/4/test_0.bin"
        assertOneLineExit2(try evaluate("\(Self.bad)/models/nan-weight.safetensors", data),
                           contains: "comigs: --checkpoint: \(Self.bad)/models/nan-weight.safetensors: tensor 'transformer.h.0.mlp.c_fc.weight' holds nan at element 5")
        assertOneLineExit2(try evaluate("\(Self.bad)/models/inf-bias.safetensors", data),
                           contains: "tensor 'transformer.ln_f.bias' holds inf at element 0")
        assertOneLineExit2(try evaluate("\(Self.bad)/models/config-fewer-layers.safetensors", data),
                           contains: "tensors 'transformer.h.1.ln_1.weight', 'transformer.h.1.ln_1.bias', 'transformer.h.1.attn.c_attn.weight', … (12 in all) are not part of")
        assertOneLineExit2(try evaluate("\(Self.bad)/models/hf-nan", data), contains: "tensor 'h.0.attn.c_proj.weight' holds nan")
        let good = try evaluate("\(Self.bad)/models/valid-tiny.safetensors", data)
        XCTAssertEqual(good.status, 0, good.stderr)
    }

    /// context + 1 tokens hold one window: accepted by `eval` and `run` alike (the run side is
    /// controls/valid-boundary.json); one token fewer is refused with the same rule's words.
    func testOneWindowIsEnoughEverywhere() throws {
        let model = "\(Self.bad)/models/valid-tiny.safetensors"
        let boundary = "\(Self.bad)/data/valid-boundary/4/test_0.bin"
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: packageRoot + "/" + boundary)).count, 2 * 17)
        let ok = try evaluate(model, boundary, ["--context", "16"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("\"tokens\":16"), ok.stdout)
        let short = try evaluate(model, "\(Self.bad)/data/short-split/4/test_3.bin", ["--context", "16"])
        assertOneLineExit2(short, contains: "comigs: --data: \(Self.bad)/data/short-split/4/test_3.bin has 16 tokens, fewer than one window of 17 (context 16 + 1)")
        XCTAssertNil(ClientData.shortfall(17, context: 16))
        XCTAssertEqual(ClientData.shortfall(16, context: 16), "16 tokens, fewer than one window of 17 (context 16 + 1)")
        XCTAssertEqual(ClientData.minimumTokens(context: 128), 129)
    }

    /// A run checkpoint whose tensors are not exactly the run's is refused on resume, naming
    /// them, instead of trapping or silently resuming from part of the state.
    func testResumeRefusesACheckpointWithForeignOrMissingTensors() throws {
        let dir = try temporaryDirectory("consistency-resume")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = try Checkpoint.load(packageRoot + "/\(Self.bad)/models/valid-tiny.safetensors")
        var spec = SyntheticCorpus.Spec()
        spec.tokens = [400]
        let fed = try Federation(base: base, data: SyntheticCorpus(spec).clients(), strategy: FedAvg(),
                                 training: TrainingConfig(totalSteps: 2), seed: 0, workers: 1)
        let cp = RunState(round: 1, now: 0, events: 0, stepsDone: [0, 0, 0, 0], bytesUp: 0, bytesDown: 0, reached: nil, basePPL: [],
                               lastResults: [], files: [], clients: fed.clientSnapshots())
        func restore(_ tensors: [(String, Tensor)]) throws {
            try Safetensors.write(tensors, metadata: [:], to: dir + "/state.safetensors")
            try cp.restore(fed, from: try Safetensors(path: dir + "/state.safetensors"))
        }
        XCTAssertNoThrow(try restore(fed.tensors()))
        XCTAssertThrowsError(try restore(fed.tensors() + [("client0.stray", Tensor([2]))])) { e in
            XCTAssertTrue("\(e)".contains("tensor 'client0.stray' is not part of this run's federation"), "\(e)")
        }
        XCTAssertThrowsError(try restore(Array(fed.tensors().dropFirst()))) { e in
            XCTAssertTrue("\(e)".contains("this run's federation needs '\(fed.tensors()[0].0)', missing from the file"), "\(e)")
        }
        XCTAssertThrowsError(try restore(fed.tensors() + [("server.x", Tensor([1]))])) { e in
            XCTAssertTrue("\(e)".contains("'server.x' is not part of"), "\(e)")
        }
        XCTAssertThrowsError(try restore(fed.tensors() + [("server.1", Tensor([1]))])) { e in
            XCTAssertTrue("\(e)".contains("server tensors are not numbered 0…0"), "\(e)")
        }
    }

    /// A NaN bound for printed JSON is an error naming the key, never Foundation's encoder text.
    func testNonFiniteOutputIsAnErrorNamingTheKey() throws {
        XCTAssertThrowsError(try printJSON(Evaluation.Result(loss: .nan, ppl: 1, tokens: 3))) { e in
            XCTAssertTrue(e is NonFiniteOutput, "\(e)")
            XCTAssertEqual("\(e)", "loss is nan, not a finite number; nothing was printed")
        }
    }
}
