import Foundation
import XCTest
@testable import Tensor

final class AdapterCheckpointTests: XCTestCase {
    var dir: String!
    override func setUp() {
        dir = NSTemporaryDirectory() + "comigs-adapters-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    static let config = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 8, vocabSize: 20)
    static let input: [Int32] = [1, 5, 19, 0, 3, 3, 7, 2]

    func logits(_ m: GPT) -> [Float] {
        _ = Self.input.withUnsafeBufferPointer { m.forward(inputs: $0, targets: nil, batch: 1, time: 8) }
        return Array(m.lastLogits)
    }

    /// A dense base and a client model on the same base weights with trained-looking adapters.
    func client(_ adapters: AdapterConfig) throws -> (base: GPT, client: GPT) {
        let base = try GPT(config: Self.config, adapters: .dense, rng: RNG(seed: 5, stream: "base"))
        let m = try GPT(config: Self.config, adapters: adapters, rng: RNG(seed: 6, stream: "client"))
        var r = RNG(seed: 9, stream: "adapters")
        for (p, q) in zip(m.parameters.filter { $0.role == .base }, base.parameters) { p.value.copy(from: q.value) }
        for p in m.parameters where p.role != .base { p.value.fillNormal(std: 0.1, rng: &r) }
        return (base, m)
    }

    /// The configs in the metadata list their keys sorted, at every depth: Foundation's default
    /// order is hash order, seeded per process, so two identical runs wrote different bytes.
    func testMetadataConfigsHaveSortedKeys() throws {
        let (_, m) = try client(AdapterConfig(rank: 4, experts: 3, topK: 1))
        try Checkpoint.saveAdapters(m, to: dir + "/c.safetensors")
        let st = try Safetensors(path: dir + "/c.safetensors")
        func assertSorted(_ j: JSON, _ path: String) {
            guard case .object(let members) = j else { return }
            XCTAssertEqual(members.map(\.0), members.map(\.0).sorted(), path)
            for (k, v) in members { assertSorted(v, path + "." + k) }
        }
        for key in ["config", "adapters"] {
            let j = try JSON.parse(try XCTUnwrap(st.metadata[key]))
            guard case .object(let members) = j else { return XCTFail("\(key) is not an object") }
            XCTAssertGreaterThan(members.count, 2, key)
            assertSorted(j, key)
        }
    }

    func testRoundTripIsBitExactAndStoresOnlyAdapters() throws {
        let ad = AdapterConfig(rank: 4, experts: 3, topK: 1)
        let (base, m) = try client(ad)
        let path = dir + "/client-0.safetensors"
        try Checkpoint.saveAdapters(m, to: path, metadata: ["round": "7"])
        let st = try Safetensors(path: path)
        let adapterNames = m.parameters.filter { $0.role != .base }.map(\.name)
        XCTAssertEqual(st.entries.map(\.name), adapterNames)
        XCTAssertTrue(adapterNames.contains("transformer.h.1.mlp.router.weight"))
        XCTAssertEqual(st.metadata["round"], "7")

        let back = try Checkpoint.loadAdapters(path, base: base)
        XCTAssertEqual(back.adapters, ad)
        XCTAssertEqual(back.parameters.map(\.name), m.parameters.map(\.name))
        XCTAssertTrue(zip(back.parameters, m.parameters).allSatisfy { $0.value.bitEqual($1.value) })
        XCTAssertEqual(logits(back), logits(m))
        // A copy, not a share: changing the loaded model leaves the base alone.
        back.parameters[0].value.ptr[0] += 1
        XCTAssertNotEqual(back.parameters[0].value.ptr[0], base.parameters[0].value.ptr[0])
    }

    func testErrorsNameTheFile() throws {
        let (_, m) = try client(AdapterConfig(rank: 2, experts: 2))
        let path = dir + "/a.safetensors"
        try Checkpoint.saveAdapters(m, to: path)
        let other = try GPT(config: GPTConfig(nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 8, vocabSize: 20), adapters: .dense,
                            rng: RNG(seed: 1, stream: "x"))
        XCTAssertThrowsError(try Checkpoint.loadAdapters(path, base: other)) { e in
            XCTAssertTrue("\(e)".hasPrefix(path + ": adapters for base config"), "\(e)")
        }
        XCTAssertThrowsError(try Checkpoint.load(path)) { e in
            XCTAssertEqual(e as? ModelError, .adaptersOnly(path: path))
            XCTAssertEqual("\(e)", "\(path): holds one client's adapters, not a whole model")
        }
        // Drop the last adapter tensor but keep the metadata.
        let cut = dir + "/cut.safetensors"
        let kept = m.parameters.filter { $0.role != .base }
        try Safetensors.write(kept.dropLast().map { ($0.name, $0.value) }, metadata: try Safetensors(path: path).metadata, to: cut)
        XCTAssertThrowsError(try Checkpoint.loadAdapters(cut, base: m)) { e in
            XCTAssertEqual("\(e)", "\(cut): the model its metadata describes (\(m.config.summary)) needs '\(kept.last!.name)', missing from the file")
        }
        // And the other way round: a tensor the adapter config does not describe.
        let extra = dir + "/extra.safetensors"
        try Safetensors.write(kept.map { ($0.name, $0.value) } + [("transformer.h.9.mlp.router.weight", Tensor([2]))],
                              metadata: try Safetensors(path: path).metadata, to: extra)
        XCTAssertThrowsError(try Checkpoint.loadAdapters(extra, base: m)) { e in
            XCTAssertEqual("\(e)", "\(extra): tensor 'transformer.h.9.mlp.router.weight' is not part of the model its metadata describes (\(m.config.summary))")
        }
    }

    // MARK: Export (Checkpoint.saveHuggingFace, saveMixture)

    /// Four windows of 8 tokens (and the target after the last).
    static let text: [Int32] = (0..<33).map { Int32(($0 * 7 + 3) % 20) }

    func loss(_ m: GPT) -> Double { Self.text.withUnsafeBufferPointer { Evaluation.evaluate(m, tokens: $0, context: 8).loss } }

    /// One expert, and three averaged without a router (weight 1/3, not a power of two): the merged
    /// GPT-2 scores as the model with its adapters, up to float rounding — W·x + s·B·(A·x) and
    /// (W + s·B·A)·x sum their float32 products in another order, a few ulps per logit; 1e-6
    /// relative is over 100 times what that leaves and far below what a wrong merge does (the
    /// adapters here move the loss by more than 1e-2). Weights no LoRA adapts are copied bit for bit.
    func testMergedExportScoresAsTheModelWithItsAdapters() throws {
        var attention = AdapterConfig(rank: 4, experts: 1)
        attention.attentionRank = 2
        for (ad, inner) in [(attention, nil), (AdapterConfig(rank: 4, experts: 3, router: .mean), 3 * 64)] as [(AdapterConfig, Int?)] {
            let (base, m) = try client(ad)
            let folder = dir + "/hf-\(ad.experts)"
            try Checkpoint.saveHuggingFace(m, to: folder)
            let merged = try Checkpoint.loadAny(folder)
            XCTAssertEqual(merged.config.nInner, inner)
            XCTAssertEqual(merged.adapters, .dense)
            XCTAssertGreaterThan(abs(loss(m) - loss(base)), 1e-2, "the adapters matter")
            XCTAssertEqual(loss(merged), loss(m), accuracy: loss(m) * 1e-6, "\(ad)")
            let st = try Safetensors(path: folder + "/model.safetensors")
            XCTAssertEqual(st.metadata, ["format": "pt"])
            XCTAssertNil(st.entry("lm_head.weight"), "tied to the token embedding")
            let widened = ad.experts > 1 ? ["c_fc.bias", "mlp.c_proj.bias"] : []
            for p in base.parameters where !Checkpoint.isConv1D(p.name, p.value.shape) && !widened.contains(where: p.name.hasSuffix) {
                let t = Tensor(p.value.shape)
                try st.read(p.name, into: t)
                XCTAssertTrue(t.bitEqual(p.value), "\(p.name) is copied as it is")
            }
        }
        // n_inner must be an integer (or null, or absent).
        let folder = dir + "/hf-3"
        let config = try String(contentsOfFile: folder + "/config.json", encoding: .utf8)
        try config.replacingOccurrences(of: "\"n_inner\": 192", with: "\"n_inner\": \"wide\"").write(toFile: folder + "/config.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Checkpoint.loadAny(folder)) { XCTAssertEqual("\($0)", "\(folder)/config.json: 'n_inner' must be an integer or null") }
    }

    /// A routed mixture has nothing to merge its experts into: it is written as its base (a GPT-2
    /// folder) and its adapters, which load back as exactly the same model.
    func testRoutedMixtureIsWrittenAsBaseAndAdapters() throws {
        let (base, m) = try client(AdapterConfig(rank: 4, experts: 3, topK: 2))
        XCTAssertThrowsError(try Checkpoint.saveHuggingFace(m, to: dir + "/no")) {
            XCTAssertEqual("\($0)", "a routed mixture of 3 experts mixes them per token: it cannot be merged into one GPT-2")
        }
        try Checkpoint.saveMixture(m, to: dir + "/mix", metadata: ["general_language": "x"])
        let back = try Checkpoint.loadAnyRecorded(dir + "/mix")
        XCTAssertEqual(logits(back.model), logits(m))
        XCTAssertEqual(back.model.adapters, m.adapters)
        XCTAssertEqual(back.metadata["general_language"], "x")
        let frozen = try Checkpoint.loadAnyRecorded(dir + "/mix/" + Checkpoint.mixtureBase)
        XCTAssertEqual(logits(frozen.model), logits(base))
        XCTAssertEqual(frozen.metadata, ["general_language": "x"])
    }
}
