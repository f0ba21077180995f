import Foundation
import Simulator
import Tensor
import XCTest
@testable import Experiments

/// A base that fits the data, or a run that says it does not: the synthetic general language is
/// the same for every corpus seed, bases record the language they learned (a run on another is
/// refused: Tests/BadInputs base-other-language, synthetic-*-language), and every run and `eval`
/// compares the base with a unigram model of each client's own text.
final class BaseFitTests: XCTestCase {
    func world(seed: UInt64) -> SyntheticCorpus {
        var spec = SyntheticCorpus.Spec()
        spec.seed = seed
        return SyntheticCorpus(spec)
    }

    /// The seed draws the dialects and the text, never the general language (seed 0's).
    func testGeneralLanguageIsTheSameForEverySeed() {
        let worlds = (0...5).map { world(seed: UInt64($0)) }
        XCTAssertEqual(Set(worlds.map(\.general.fingerprint)).count, 1)
        XCTAssertEqual(Set(worlds.map(\.regional.fingerprint)).count, 6)
        XCTAssertEqual(Set(worlds.map { $0.privateChains[2].fingerprint }).count, 6)
        XCTAssertNotEqual(worlds[0].text(client: 0, tokens: 100, stream: "test").0, worlds[1].text(client: 0, tokens: 100, stream: "test").0)
        // The language the committed synthetic bases learned (their metadata records it).
        XCTAssertEqual(SyntheticCorpus.generalLanguage, "synthetic-general/2b86684c38f5e4c2")
        XCTAssertEqual(worlds[3].meta(for: worlds[3].clients()).parameters[GeneralLanguage.key], SyntheticCorpus.generalLanguage)
    }

    /// `data synth --seed S` for S in 1…5 (its default world): the committed synthetic base beats
    /// a unigram model of each client's own train split on every client's test split, and stays
    /// above the exact Bayes floor.
    func testSyntheticBaseBeatsUnigramForEverySeed() throws {
        let model = try Checkpoint.load(packageRoot + "/models/synthetic-byte-tiny.safetensors"), t = model.config.blockSize
        for seed in UInt64(1)...5 {
            let w = world(seed: seed), clients = w.clients(), floors = w.bayesTestPerplexity(clients, context: t)
            for (c, data) in clients.enumerated() {
                let test = data.tokens[.test]!
                let ours = test.withUnsafeBufferPointer { Evaluation.evaluate(model, tokens: $0, context: t) }
                let unigram = Unigram(train: data.tokens[.train]!, vocab: SyntheticCorpus.vocab).loss(test, context: t)
                XCTAssertLessThan(ours.loss, unigram - 0.5, "seed \(seed) client \(c): base ppl \(ours.ppl) vs unigram \(exp(unigram))")
                XCTAssertGreaterThan(ours.ppl, floors[c], "seed \(seed) client \(c): below the Bayes floor")
            }
        }
    }

    /// Each committed base records the language and context `GeneralLanguage` lists for it.
    func testCommittedBasesRecordWhatTheyLearned() throws {
        for b in GeneralLanguage.committedBases {
            let (model, metadata) = try Checkpoint.loadAnyRecorded(packageRoot + "/" + b.path)
            XCTAssertEqual(metadata[GeneralLanguage.key], b.language, b.path)
            XCTAssertEqual(model.config.blockSize, b.context, b.path)
        }
    }

    /// `pretrain` copies the corpus's language into the base it writes; `data synth` names the bases that fit.
    func testPretrainRecordsTheLanguageOfItsData() throws {
        let dir = try temporaryDirectory("pretrain-language")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let synth = try comigs(["data", "synth", "--seed", "3", "--tokens", "2000", "--pretrain-tokens", "3000", "--context", "16", "--out", dir + "/d"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        XCTAssertTrue(synth.stderr.contains("model.base: models/synthetic-byte-tiny.safetensors (context 128), models/synthetic-byte-mini.safetensors (context 64) learned the synthetic corpus's general language"), synth.stderr)
        let pre = try comigs(["pretrain", "--data", dir + "/d", "--config", "byte-mini", "--steps", "2", "--batch", "2", "--threads", "1",
                              "--out", dir + "/base.safetensors"])
        XCTAssertEqual(pre.status, 0, pre.stderr)
        XCTAssertEqual(try Checkpoint.loadAnyRecorded(dir + "/base.safetensors").metadata[GeneralLanguage.key], SyntheticCorpus.generalLanguage)
    }

    /// One's own text (byte-level, no recorded language) with the synthetic base: every run
    /// warns at round 0, naming the clients, model.base and the English base, and summary.json
    /// records it; with the English base the same data fits. `eval` says the same of a split.
    func testOwnTextWithTheSyntheticBaseIsFlagged() throws {
        let dir = try temporaryDirectory("own-text")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Two clients' "own text": English prose from this repository's docs.
        let prose = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        let bytes = Array(prose.utf8), half = bytes.count / 2
        for (c, part) in [bytes[..<half], bytes[half...]].map({ String(decoding: $0, as: UTF8.self) }).enumerated() {
            try FileManager.default.createDirectory(atPath: "\(dir)/src/user\(c)", withIntermediateDirectories: true)
            try Data(part.utf8).write(to: URL(fileURLWithPath: "\(dir)/src/user\(c)/notes.txt"))
        }
        let prepared = try comigs(["data", "prepare", "folders", "--source", dir + "/src", "--out", dir + "/data"])
        XCTAssertEqual(prepared.status, 0, prepared.stderr)
        XCTAssertTrue(prepared.stderr.contains("model.base: the text's language is not recorded") && prepared.stderr.contains(GeneralLanguage.englishBase),
                      prepared.stderr)
        func run(_ base: String) throws -> (stderr: String, summary: JSON) {
            let r = try comigs(["run", packageRoot + "/scenarios/quickstart.json", "--out", dir + "/runs", "--quiet", "--set", "rounds=0",
                                "--set", "clients=2", "--set", "data.source=folder", "--set", "data.path=\(dir)/data", "--set", "model.base=\(base)"],
                               cwd: packageRoot)
            XCTAssertEqual(r.status, 0, r.stderr)
            let folder = r.stdout.trimmingCharacters(in: .newlines)
            return (r.stderr, try JSON.parse(Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json"))))
        }
        let synthetic = try run("models/synthetic-byte-tiny.safetensors")
        XCTAssertTrue(synthetic.stderr.hasPrefix("comigs: warning: model.base (models/synthetic-byte-tiny.safetensors) does not fit the data"), synthetic.stderr)
        XCTAssertTrue(synthetic.stderr.contains("client 0 (user0): ") && synthetic.stderr.contains("client 1 (user1): ")
                      && synthetic.stderr.contains("set model.base to \(GeneralLanguage.englishBase)"), synthetic.stderr)
        XCTAssertEqual(synthetic.summary["base_misfits"], .array([.int(0), .int(1)]))
        for c in synthetic.summary["clients"]!.arrayValue! {
            XCTAssertGreaterThan(c["base_ppl"]!.doubleValue!, c["unigram_ppl"]!.doubleValue!)
            XCTAssertEqual(c["base_ppl"], c["test_ppl"], "round 0 scores the base")
        }
        let english = try run(GeneralLanguage.englishBase)
        XCTAssertEqual(english.stderr, "")
        XCTAssertEqual(english.summary["base_misfits"], .array([]))
        for c in english.summary["clients"]!.arrayValue! { XCTAssertLessThan(c["base_ppl"]!.doubleValue!, c["unigram_ppl"]!.doubleValue!) }

        let test = dir + "/data/2/test_1.bin"
        let misfit = try comigs(["eval", "--checkpoint", "models/synthetic-byte-tiny.safetensors", "--data", test], cwd: packageRoot)
        XCTAssertEqual(misfit.status, 0, misfit.stderr)
        XCTAssertTrue(misfit.stderr.contains("comigs: warning: --checkpoint models/synthetic-byte-tiny.safetensors does not fit \(test)")
                      && misfit.stderr.contains("(for byte-level English text: \(GeneralLanguage.englishBase))"), misfit.stderr)
        let out = try JSON.parse(Data(misfit.stdout.split(separator: "\n").last!.utf8))
        XCTAssertGreaterThan(out["ppl"]!.doubleValue!, out["unigram_ppl"]!.doubleValue!)
        let fits = try comigs(["eval", "--checkpoint", GeneralLanguage.englishBase, "--data", test], cwd: packageRoot)
        XCTAssertFalse(fits.stderr.contains("warning"), fits.stderr)
    }

    /// Before training every method's client model is the base (adapters start as a zero change),
    /// so the round-0 evaluation `BaseFit` reads is the base's perplexity.
    func testRoundZeroScoresTheBaseUnderEveryMethod() throws {
        let base = try Checkpoint.load(packageRoot + "/models/synthetic-byte-tiny.safetensors")
        var spec = SyntheticCorpus.Spec()
        spec.tokens = [3000]
        let test = SyntheticCorpus(spec).clients()[1].tokens[.test]!
        let expected = test.withUnsafeBufferPointer { Evaluation.evaluate(base, tokens: $0, context: 32) }.ppl
        let dir = try temporaryDirectory("round-zero")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for method in MethodRegistry.names {
            var sets = ["rounds=0", "model.context=32", "data.synthetic.tokens=3000", "method.name=\(method)", "name=\(method)"]
            if ["flexlora", "hetlora"].contains(method) { sets.append("method.rank=[4,8,8,4]") }
            let r = try comigs(["run", packageRoot + "/scenarios/quickstart.json", "--out", dir, "--quiet"] + sets.flatMap { ["--set", $0] },
                               cwd: packageRoot)
            XCTAssertEqual(r.status, 0, "\(method): \(r.stderr)")
            let summary = try JSON.parse(Data(contentsOf: URL(fileURLWithPath: r.stdout.trimmingCharacters(in: .newlines) + "/summary.json")))
            let ppl = try XCTUnwrap(summary["clients"]?.arrayValue?[1]["base_ppl"]?.doubleValue, method)
            XCTAssertEqual(ppl, expected, accuracy: expected * 1e-6, method)
        }
    }
}
