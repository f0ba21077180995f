import Foundation
import XCTest
@testable import Experiments
@testable import Simulator
@testable import Tensor

/// Issue 18: one large text file per client prepares into usable splits, and a data
/// command never writes a corpus `run` would refuse.
final class SegmentationTests: XCTestCase {
    /// Seeded text in one script: words of 2–9 letters, sentences, paragraphs.
    /// `paragraphs: false` leaves no blank lines; `lines: false` no line breaks at all.
    static func text(_ letters: [String], bytes: Int, seed: UInt64, space: String = " ",
                     paragraphs: Bool = true, lines: Bool = true) -> String {
        var r = RNG(seed: seed, stream: "segmentation-text")
        var out = "", line = 0
        while out.utf8.count < bytes {
            let words = (0..<(4 + r.int(below: 12))).map { _ in (0..<(2 + r.int(below: 8))).map { _ in letters[r.int(below: letters.count)] }.joined() }
            out += words.joined(separator: space) + "."
            line += 1
            if !lines { out += space } else if paragraphs && line % (3 + r.int(below: 10)) == 0 { out += "\n\n" } else { out += "\n" }
        }
        return out
    }

    static let scripts: [(name: String, letters: [String], space: String, paragraphs: Bool, lines: Bool)] = [
        ("cs", Array("abcdeéěfghiíjklmnňoópqrřsštťuúůvwxyýzž").map(String.init), " ", true, true),
        ("ru", Array("абвгдеёжзийклмнопрстуфхцчшщъыьэюя").map(String.init), " ", true, true),
        ("pl", Array("aąbcćdeęfghijklłmnńoóprsśtuwyzźż").map(String.init), " ", false, true),  // lines, no blank lines
        ("ja", Array("あいうえおかきくけこさしすせそたちつてとなにぬねの漢字語文").map(String.init), "", false, false),  // no boundaries
    ]

    func folder(bytes: Int, short: String? = nil) throws -> String {
        let src = try temporaryDirectory("segmentation-src")
        for (i, s) in Self.scripts.enumerated() {
            try FileManager.default.createDirectory(atPath: "\(src)/\(s.name)", withIntermediateDirectories: true)
            let text = s.name == short ? "Krátký text." : Self.text(s.letters, bytes: bytes, seed: UInt64(i), space: s.space,
                                                                     paragraphs: s.paragraphs, lines: s.lines)
            try text.write(toFile: "\(src)/\(s.name)/all.txt", atomically: true, encoding: .utf8)
        }
        return src
    }

    func testOneFilePerClientSplitsNearTheRequestedFractionsAndRuns() throws {
        let src = try folder(bytes: 400_000)
        let out = try temporaryDirectory("segmentation-out")
        let prepared = try comigs(["data", "prepare", "folders", "--source", src, "--out", out])
        XCTAssertEqual(prepared.status, 0, prepared.stderr)
        XCTAssertTrue(prepared.stderr.contains("1 → "), "documents per client are reported: \(prepared.stderr)")
        let (meta, clients) = try Dataset.read(out)
        XCTAssertEqual(meta.clients, Self.scripts.map(\.name).sorted(), "one client per sub-folder, in name order")
        for c in clients {
            let total = Double(c.count(.train) + c.count(.valid) + c.count(.test))
            XCTAssertGreaterThan(total, 390_000, c.name)
            XCTAssertEqual(Double(c.count(.train)) / total, 0.8, accuracy: 0.02, c.name)
            XCTAssertEqual(Double(c.count(.valid)) / total, 0.1, accuracy: 0.02, c.name)
            XCTAssertEqual(Double(c.count(.test)) / total, 0.1, accuracy: 0.02, c.name)
            // Cut at character boundaries: every split decodes as the UTF-8 it came from.
            for split in ClientData.Split.allCases {
                let bytes = (c.tokens[split] ?? []).map { UInt8($0) }
                XCTAssertNotNil(String(validating: bytes, as: UTF8.self), "\(c.name) \(split)")
            }
        }
        let scenario = out + "/s.json"
        try Data(#"{"name": "mine", "rounds": 1, "local_steps": 2, "batch": 2, "micro_batch": 2, "eval_windows": 4, "method": {"name": "fedavg"}, "data": {"source": "folder", "path": "\#(out)"}}"#.utf8)
            .write(to: URL(fileURLWithPath: scenario))
        let run = try comigs(["run", scenario, "--out", out + "/runs", "--quiet"], cwd: packageRoot)
        XCTAssertEqual(run.status, 0, run.stderr)
    }

    func testPrepareRefusesAClientTooShortForAWindowAndWritesNothing() throws {
        let src = try folder(bytes: 50_000, short: "ru")
        let out = try temporaryDirectory("segmentation-out") + "/corpus"
        let r = try comigs(["data", "prepare", "folders", "--source", src, "--out", out])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("client 3 (ru)") && r.stderr.contains("split has"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // A shorter context makes the long clients' splits usable but not the short one's.
        XCTAssertEqual(try comigs(["data", "synth", "--tokens", "1000", "--out", out]).status, 2, "synth: 100-token splits")
        XCTAssertEqual(try comigs(["data", "synth", "--tokens", "1000", "--context", "64", "--out", out]).status, 0)
    }

    func testCutKeepsCharactersWholeAndPrefersBoundaries() {
        let text = String(repeating: "žluťoučký kůň ", count: 50) + String(repeating: "漢", count: 300)
        let pieces = Segmentation.cut(text[...], limit: 40)
        XCTAssertEqual(pieces.joined(), text)
        for p in pieces.dropLast() { XCTAssertLessThanOrEqual(p.utf8.count, 40) }
        XCTAssertTrue(pieces[0].hasSuffix(" "), "cut after a space: '\(pieces[0])'")
        XCTAssertEqual(Segmentation.paragraphs("a\nb\n\n \n\nc\n"), ["a\nb", "c"])
        let docs = Segmentation.documents([String(repeating: "word ", count: 20_000)])
        XCTAssertGreaterThan(docs.count, 150)
        XCTAssertLessThan(docs.count, 210)
        XCTAssertEqual(docs.joined(), String(repeating: "word ", count: 20_000), "one paragraph's pieces join as they were")
        let paragraphs = SegmentationTests.text(Self.scripts[1].letters, bytes: 50_000, seed: 9)
        let squeezed = { (t: String) in t.filter { !$0.isWhitespace } }
        XCTAssertEqual(squeezed(Segmentation.documents([paragraphs]).joined()), squeezed(paragraphs), "no text lost or repeated")
        XCTAssertEqual(Segmentation.documents(Array(repeating: "x", count: 100)).count, 100, "enough documents: kept")
    }
}
