import Foundation
import XCTest
@testable import comigs
@testable import Experiments
@testable import Tensor

/// The committed pretrained bases under models/ load and beat a unigram model on their data.
final class BaseModelTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    func testSyntheticBaseBeatsUnigram() throws {
        let model = try Checkpoint.load(Self.root + "/models/synthetic-byte-tiny.safetensors")
        XCTAssertEqual(model.config.vocabSize, SyntheticCorpus.vocab)
        // Held-out general-language text of the default synthetic corpus (seed 0).
        let corpus = SyntheticCorpus(SyntheticCorpus.Spec())
        let train = corpus.generalText(tokens: 200_000, stream: "train")
        let valid = corpus.generalText(tokens: 8_000, stream: "valid")
        let t = model.config.blockSize
        let ours = valid.withUnsafeBufferPointer { Evaluation.evaluate(model, tokens: $0, context: t) }
        let unigram = Unigram(train: train, vocab: SyntheticCorpus.vocab).loss(valid, context: t)
        XCTAssertLessThan(ours.loss, unigram - 1.0, "base ppl \(ours.ppl) vs unigram \(exp(unigram))")
    }

    /// Issue 16: the base the quickstart fine-tunes already beats a unigram model (fitted on the
    /// client's own train split) on every client's test split of the quickstart's world and of
    /// `data synth`'s default one — dialects share the general language's tokens — while staying
    /// above the exact Bayes floor.
    func testSyntheticBaseBeatsUnigramOnEveryClient() throws {
        let model = try Checkpoint.load(Self.root + "/models/synthetic-byte-tiny.safetensors")
        guard case .synthetic(let quickstart) = try Scenario.load(Self.root + "/scenarios/quickstart.json").config.data else {
            return XCTFail("the quickstart runs on the built-in corpus")
        }
        for spec in [quickstart, SyntheticCorpus.Spec()] {
            let world = SyntheticCorpus(spec), clients = world.clients(), t = model.config.blockSize
            let floors = world.bayesTestPerplexity(clients, context: t)
            for (c, data) in clients.enumerated() {
                let test = data.tokens[.test]!
                let ours = test.withUnsafeBufferPointer { Evaluation.evaluate(model, tokens: $0, context: t) }
                let unigram = Unigram(train: data.tokens[.train]!, vocab: SyntheticCorpus.vocab).loss(test, context: t)
                XCTAssertLessThan(ours.loss, unigram, "P \(spec.privateShare) D \(spec.divergence) client \(c): base ppl \(ours.ppl) vs unigram \(exp(unigram))")
                XCTAssertGreaterThan(ours.ppl, floors[c], "client \(c): below the Bayes floor")
            }
        }
    }
}

extension BaseModelTests {
    /// The English base (for the real corpora) against a unigram model on held-out pretraining prose.
    func testEnglishBaseBeatsUnigram() throws {
        guard FileManager.default.fileExists(atPath: CorporaTests.cache + "/kjv/kjv.txt") else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("corpora cache missing; run scripts/corpora.sh") }
            throw XCTSkip("corpora cache missing: run scripts/corpora.sh")
        }
        let model = try Checkpoint.load(Self.root + "/models/english-byte-tiny.safetensors")
        let split = DataCommand.pretrainingSplit(try Corpora.pretraining(cache: CorporaTests.cache), seed: 0)
        let tok = ByteTokenizer()
        let train = DocumentSplit.tokens(split.train, tok)
        let valid = Array(DocumentSplit.tokens(split.valid, tok).prefix(16_000))
        let t = model.config.blockSize
        let ours = valid.withUnsafeBufferPointer { Evaluation.evaluate(model, tokens: $0, context: t) }
        let unigram = Unigram(train: train, vocab: 256).loss(valid, context: t)
        XCTAssertLessThan(ours.loss, unigram - 0.5, "base ppl \(ours.ppl) vs unigram \(exp(unigram))")
    }
}
