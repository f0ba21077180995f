import Foundation
import XCTest
@testable import Tensor

/// The engine against PyTorch (float64), on fixtures made by `bench/make_fixtures.py`:
/// a GPT-2 checkpoint in Hugging Face layout with its exact eval loss, and
/// three CoMiGS mixtures (E=2 top-2, E=3 top-1, E=3 top-2) with loss, routing
/// decisions and the gradient of every LoRA and router parameter.
final class ReferenceTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    func testGPT2EvalLossMatchesPyTorch() throws {
        let dir = Self.fixtures + "/gpt2-tiny"
        let model = try Checkpoint.loadAny(dir)
        let raw = try Data(contentsOf: URL(fileURLWithPath: dir + "/tokens.bin"))
        let tokens: [Int32] = raw.withUnsafeBytes { b in (0..<raw.count / 2).map { Int32(b.load(fromByteOffset: 2 * $0, as: UInt16.self)) } }
        let expected = try json(dir + "/expected.json")
        for (t, key) in [(16, "loss"), (8, "loss_context_8")] {
            let r = tokens.withUnsafeBufferPointer { Evaluation.evaluate(model, tokens: $0, context: t, batch: 5) }
            XCTAssertEqual(r.loss, expected[key] as! Double, accuracy: 5e-7, "context \(t)")
        }
    }

    func checkMixture(_ name: String) throws {
        let model = try Checkpoint.load(Self.fixtures + "/\(name).safetensors")
        let grads = try Safetensors(path: Self.fixtures + "/\(name)-grads.safetensors")
        let j = try json(Self.fixtures + "/\(name).json")
        let batch = TokenBatch(inputs: (j["inputs"] as! [Int]).map(Int32.init), targets: (j["targets"] as! [Int]).map(Int32.init),
                               batch: j["batch"] as! Int, time: j["time"] as! Int)
        let lambda = Float(j["lambda"] as! Double)
        let loss = try Trainer.accumulate(model, micro: [batch], lambdaLB: lambda)
        // float32 against float64: one ulp of a loss near 4 is 4.8e-7 in float32; allow three.
        XCTAssertEqual(loss.ce, j["ce"] as! Double, accuracy: 1.5e-6, name)
        XCTAssertEqual(Double(loss.loadBalance), j["lb"] as! Double, accuracy: 5e-7, name)
        // Routing decisions, per layer and token, best expert first.
        let choices = j["choices"] as! [[[Int]]]
        for (l, block) in model.blocks.enumerated() {
            let r = block.mlp.router
            for t in 0..<batch.inputs.count {
                let got = (0..<r.k).map { Int(r.choice.ptr[t * r.k + $0]) }
                XCTAssertEqual(got, choices[l][t], "\(name) layer \(l) token \(t)")
            }
        }
        var checked = 0
        for p in model.trainableParameters {
            let ref = Tensor(p.value.shape)
            try grads.read(p.name, into: ref)
            var worst: Float = 0
            for i in 0..<ref.count {
                let a = p.grad.ptr[i], b = ref.ptr[i]
                worst = max(worst, abs(a - b) / (1e-5 + 1e-3 * abs(b)))
            }
            XCTAssertLessThanOrEqual(worst, 1, "\(name): gradient of \(p.name) (\(p.role))")
            checked += 1
        }
        XCTAssertEqual(checked, grads.entries.count)
    }

    func testMixtureE2Top2MatchesPyTorch() throws { try checkMixture("moe-e2-top2") }
    func testMixtureE3Top1MatchesPyTorch() throws { try checkMixture("moe-e3-top1") }
    func testMixtureE3Top2MatchesPyTorch() throws { try checkMixture("moe-e3-top2") }
}
