import Foundation
import XCTest
@testable import Tensor

final class CheckpointTests: XCTestCase {
    var dir: String!
    override func setUp() {
        dir = NSTemporaryDirectory() + "comigs-ckpt-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    static let config = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 8, vocabSize: 20)
    static let input: [Int32] = [1, 5, 19, 0, 3, 3, 7, 2]

    func logits(_ m: GPT) -> [Float] {
        Self.input.withUnsafeBufferPointer { m.forward(inputs: $0, targets: nil, batch: 1, time: 8) }
        return Array(m.lastLogits)
    }

    /// Writes the model's base in Hugging Face GPT-2 layout: no `transformer.`
    /// prefix, Conv1D weights transposed to [in, out], plus the buffers HF keeps.
    func writeHuggingFace(_ m: GPT, to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var tensors: [(String, Tensor)] = []
        for p in m.parameters where p.role == .base {
            let name = String(p.name.dropFirst("transformer.".count))
            if p.value.shape.count == 2 && !name.hasPrefix("w") {
                let (r, c) = (p.value.shape[0], p.value.shape[1])
                let t = Tensor([c, r])
                for i in 0..<r { for j in 0..<c { t.ptr[j * r + i] = p.value.ptr[i * c + j] } }
                tensors.append((name, t))
            } else {
                tensors.append((name, p.value))
            }
        }
        tensors.append(("h.0.attn.bias", Tensor([1, 1, 8, 8])))
        try Safetensors.write(tensors, metadata: ["format": "pt"], to: folder + "/model.safetensors")
        let cfg = #"{"model_type": "gpt2", "n_layer": 2, "n_head": 2, "n_embd": 16, "n_positions": 8, "vocab_size": 20}"#
        try cfg.write(toFile: folder + "/config.json", atomically: true, encoding: .utf8)
    }

    func testHuggingFaceLayoutGivesTheSameLogits() throws {
        let m = try GPT(config: Self.config, adapters: .dense, rng: RNG(seed: 3, stream: "init"))
        try writeHuggingFace(m, to: dir + "/hf")
        let loaded = try Checkpoint.loadAny(dir + "/hf")
        XCTAssertEqual(loaded.config, Self.config)
        XCTAssertEqual(logits(loaded), logits(m))
    }

    func testNativeRoundTripKeepsAdaptersAndConfig() throws {
        let ad = AdapterConfig(rank: 4, experts: 3, topK: 1)
        let m = try GPT(config: Self.config, adapters: ad, rng: RNG(seed: 4, stream: "init"))
        var r = RNG(seed: 9, stream: "B")
        for p in m.parameters where p.role.loraFactor == .b { p.value.fillNormal(std: 0.1, rng: &r) }
        try Checkpoint.save(m, to: dir + "/m.safetensors")
        let back = try Checkpoint.load(dir + "/m.safetensors")
        XCTAssertEqual(back.adapters, ad)
        XCTAssertEqual(back.parameters.map(\.name), m.parameters.map(\.name))
        XCTAssertTrue(zip(back.parameters, m.parameters).allSatisfy { $0.value.bitEqual($1.value) })
        XCTAssertEqual(logits(back), logits(m))
        XCTAssertTrue(m.parameters.contains { $0.name == "transformer.h.1.mlp.experts.2.c_fc.lora_A" })
    }

    func testShapeMismatchNamesTheTensor() throws {
        let m = try GPT(config: Self.config, adapters: .dense, rng: RNG(seed: 3, stream: "init"))
        try writeHuggingFace(m, to: dir + "/hf")
        let cfg = #"{"n_layer": 2, "n_head": 2, "n_embd": 16, "n_positions": 8, "vocab_size": 21}"#
        try cfg.write(toFile: dir + "/hf/config.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Checkpoint.loadAny(dir + "/hf")) { e in
            XCTAssertTrue("\(e)".contains("'wte.weight' has shape [20, 16], expected [21, 16]"), "\(e)")
        }
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/bad.safetensors"))
        XCTAssertThrowsError(try Checkpoint.load(dir + "/bad.safetensors")) { e in
            XCTAssertTrue("\(e)".contains("bad.safetensors"), "\(e)")
        }
    }

    func testUnsupportedDtypeNamesTheTensor() throws {
        let header = #"{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#
        var d = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8))
        d.append(contentsOf: [UInt8](repeating: 0, count: 8))
        try d.write(to: URL(fileURLWithPath: dir + "/i64.safetensors"))
        XCTAssertThrowsError(try Safetensors(path: dir + "/i64.safetensors")) { e in
            XCTAssertTrue("\(e)".contains("'x' has unsupported dtype I64"), "\(e)")
        }
    }

    func testEvaluationWindows() throws {
        let m = try GPT(config: Self.config, adapters: .dense, rng: RNG(seed: 3, stream: "init"))
        let data: [Int32] = (0..<25).map { Int32($0 % 20) }
        // T = 8: windows start at 0, 8 (8+8 < 25) and 16 (16+8 = 24 < 25): 3 windows, 24 targets.
        let r = data.withUnsafeBufferPointer { Evaluation.evaluate(m, tokens: $0, context: 8, batch: 2) }
        XCTAssertEqual(r.tokens, 24)
        var sum = 0.0
        for w in 0..<3 {
            let x = Array(data[w * 8 ..< w * 8 + 8]), y = Array(data[w * 8 + 1 ... w * 8 + 8])
            sum += x.withUnsafeBufferPointer { xs in y.withUnsafeBufferPointer { m.forward(inputs: xs, targets: $0, batch: 1, time: 8).ceSum } }
        }
        XCTAssertEqual(r.loss, sum / 24, accuracy: 1e-9)
        XCTAssertEqual(r.ppl, exp(r.loss), accuracy: 1e-9)
        let short = data.withUnsafeBufferPointer { Evaluation.evaluate(m, tokens: UnsafeBufferPointer(rebasing: $0[0..<8]), context: 8) }
        XCTAssertEqual(short.tokens, 0)  // 0 + 8 < 8 fails: no full window
    }
}
