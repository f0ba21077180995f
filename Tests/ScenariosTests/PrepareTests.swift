import Foundation
import XCTest
@testable import comigs
@testable import Experiments
@testable import Simulator

/// `comigs data prepare` end to end, document splits, the AG News OOD protocol,
/// and tokenizer round trips on every real corpus.
final class PrepareTests: XCTestCase {
    var out: String!
    override func setUp() { out = NSTemporaryDirectory() + "comigs-prepare-\(UUID().uuidString)" }
    override func tearDown() { try? FileManager.default.removeItem(atPath: out) }

    func requireCache() throws {
        guard FileManager.default.fileExists(atPath: CorporaTests.cache + "/kjv/kjv.txt") else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("corpora cache missing; run scripts/corpora.sh") }
            throw XCTSkip("corpora cache missing: run scripts/corpora.sh")
        }
    }

    func prepare(_ args: [String]) throws -> (DatasetMeta, [ClientData]) {
        try DataCommand.run(["prepare"] + args + ["--out", out, "--cache", CorporaTests.cache, "--csv", CorporaTests.agnewsCSV])
        return try Dataset.read(out)
    }

    func testPrepareEveryRealCorpus() throws {
        try requireCache()
        for (name, clients) in [("multilingual", ["de", "fr", "it", "es"]), ("domains", ["code", "books", "docs", "legal"]),
                                ("agnews", ["World", "Sports", "Business", "Sci/Tech"])] {
            let (meta, data) = try prepare([name])
            XCTAssertEqual(meta.clients, clients)
            XCTAssertEqual(meta.source, name)
            XCTAssertEqual(meta.tokenizer, "byte")
            for c in data {
                XCTAssertGreaterThan(c.count(.train), 150_000, "\(name)/\(c.name)")
                XCTAssertGreaterThan(c.count(.valid), 10_000, "\(name)/\(c.name)")
                XCTAssertGreaterThan(c.count(.test), 10_000, "\(name)/\(c.name)")
            }
            let pre = Dataset.folder(out, clients: 4) + "/pretrain_train.bin"
            XCTAssertGreaterThan(try TokenFile.read(pre, vocab: 256).count, 1_000_000)
            try FileManager.default.removeItem(atPath: out)
        }
    }

    func testDocumentSplitIsDisjointCompleteAndSeeded() {
        let docs = (0..<100).map { "doc \($0)" }
        let a = DocumentSplit.split(docs, fractions: (0.1, 0.2), seed: 1, client: 0)
        XCTAssertEqual(a.valid.count, 10)
        XCTAssertEqual(a.test.count, 20)
        XCTAssertEqual(Set(a.train + a.valid + a.test), Set(docs))
        XCTAssertEqual(a.train.count + a.valid.count + a.test.count, 100)
        let b = DocumentSplit.split(docs, fractions: (0.1, 0.2), seed: 1, client: 0)
        XCTAssertEqual(a.test, b.test)
        XCTAssertNotEqual(a.test, DocumentSplit.split(docs, fractions: (0.1, 0.2), seed: 2, client: 0).test)
        // Each split keeps the documents' original order (no shuffled text within a split).
        XCTAssertEqual(a.train, a.train.sorted { Int($0.dropFirst(4))! < Int($1.dropFirst(4))! })
    }

    /// With --ood every client's valid and test splits hold an equal share of every class, disjoint across clients.
    func testAGNewsOutOfDistribution() throws {
        let news = try Corpora.agnews(csv: CorporaTests.agnewsCSV)
        let splits = news.enumerated().map { DocumentSplit.split($1.documents, fractions: (200.0 / 1900, 200.0 / 1900), seed: 0, client: $0) }
        XCTAssertEqual(splits.map { $0.train.count }, [1500, 1500, 1500, 1500])
        let ood = DataCommand.outOfDistribution(splits)
        for (i, s) in ood.enumerated() {
            XCTAssertEqual(s.train, splits[i].train)
            for c in 0..<4 {
                XCTAssertEqual(s.valid.filter { Set(splits[c].valid).contains($0) }.count, 50, "client \(i) class \(c)")
                XCTAssertEqual(s.test.filter { Set(splits[c].test).contains($0) }.count, 50)
            }
        }
        XCTAssertEqual(Set(ood.flatMap(\.test)).count, 800, "clients' test splits are disjoint")
    }

    /// Byte-pair merges learned from a sample (the most frequent adjacent pair, repeatedly),
    /// written as a GPT-2 vocab.json + merges.txt.
    func learnedBPE(_ sample: String, merges count: Int) throws -> GPT2Tokenizer {
        let alphabet = GPT2Tokenizer.byteToUnicode.map { String(Character($0)) }
        var words = GPT2Tokenizer.preTokenize(sample).map { $0.utf8.map { alphabet[Int($0)] } }
        var vocab: [String: Int] = [:]
        for (i, s) in alphabet.enumerated() { vocab[s] = i }
        var merges: [String] = ["#version: 0.2"]
        for _ in 0..<count {
            var pairs: [String: Int] = [:]
            for w in words where w.count > 1 { for i in 0..<(w.count - 1) { pairs[w[i] + " " + w[i + 1], default: 0] += 1 } }
            guard let best = pairs.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) else { break }
            let parts = best.key.split(separator: " ").map(String.init)
            merges.append(best.key)
            vocab[parts[0] + parts[1]] = vocab.count
            words = words.map { w in
                var o: [String] = [], i = 0
                while i < w.count {
                    if i + 1 < w.count && w[i] == parts[0] && w[i + 1] == parts[1] { o.append(parts[0] + parts[1]); i += 2 } else { o.append(w[i]); i += 1 }
                }
                return o
            }
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: vocab, options: [.sortedKeys]).write(to: URL(fileURLWithPath: out + "/vocab.json"))
        try merges.joined(separator: "\n").write(toFile: out + "/merges.txt", atomically: true, encoding: .utf8)
        return try GPT2Tokenizer(vocab: out + "/vocab.json", merges: out + "/merges.txt")
    }

    func testTokenizersRoundTripOnEveryRealCorpus() throws {
        try requireCache()
        let folders = NSTemporaryDirectory() + "comigs-folders-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folders) }
        for (c, text) in [("a", "Plain text, with ünïcödé — and\ttabs.\n"), ("b", "日本語のテキスト 😀 and more")] {
            try FileManager.default.createDirectory(atPath: "\(folders)/\(c)", withIntermediateDirectories: true)
            try text.write(toFile: "\(folders)/\(c)/1.txt", atomically: true, encoding: .utf8)
        }
        let corpora = [("multilingual", try Corpora.multilingual(cache: CorporaTests.cache)),
                       ("domains", try Corpora.domains(cache: CorporaTests.cache)),
                       ("agnews", try Corpora.agnews(csv: CorporaTests.agnewsCSV)),
                       ("folders", try Corpora.folders(folders))]
        let sample = corpora.flatMap { $0.1.map { String($0.documents.joined(separator: "\n").prefix(4000)) } }.joined()
        let bpe = try learnedBPE(sample, merges: 60)
        for (name, clients) in corpora {
            for c in clients {
                let text = c.documents.joined(separator: "\n\n")
                let tokens = bpe.encode(text)
                XCTAssertEqual(bpe.decode(tokens), text, "\(name)/\(c.name) BPE round trip")
                XCTAssertLessThan(tokens.count, text.utf8.count, "merges fire on \(name)/\(c.name)")
                XCTAssertEqual(ByteTokenizer().decode(ByteTokenizer().encode(text)), text)
            }
        }
    }
}
