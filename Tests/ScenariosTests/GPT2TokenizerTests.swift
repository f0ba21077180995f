import Foundation
import XCTest
@testable import Experiments

/// A hand-made GPT-2-style vocabulary: the 256 byte symbols with id = byte
/// value (so single-byte tokens are just the bytes: "h" = 104, " " = 32), then
/// one id per merge from 256 in merge order, and `<|endoftext|>` at 300 leaving
/// ids 274…299 unused. Encodings below are worked out by hand from these ranks.
///
///     rank  merge     id  symbol      rank  merge       id  symbol
///      0    Ġ t      256  Ġt           9    Ġa n       265  Ġan
///      1    h e      257  he          10    Ġan d      266  Ġand
///      2    Ġt he    258  Ġthe        11    ' t        267  't
///      3    i n      259  in          12    o n        268  on
///      4    in g     260  ing         13    Ã ¯        269  Ã¯  (bytes C3 AF: "ï")
///      5    Ġ a      261  Ġa          14    Ċ Ċ        270  ĊĊ  ("\n\n")
///      6    Ġ Ġ      262  ĠĠ          15    a a        271  aa
///      7    t h      263  th          16    1 2        272  12
///      8    e r      264  er
private let testMerges = ["Ġ t", "h e", "Ġt he", "i n", "in g", "Ġ a", "Ġ Ġ", "t h", "e r",
                          "Ġa n", "Ġan d", "' t", "o n", "Ã ¯", "Ċ Ċ", "a a", "1 2"]

/// GPT-2's `bytes_to_unicode`, written out again here so the tests do not
/// check the tokenizer against its own table.
private func referenceByteAlphabet() -> [String] {
    let printable = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
    var table = [String](repeating: "", count: 256), next = 256
    for b in 0..<256 {
        if printable.contains(b) {
            table[b] = String(UnicodeScalar(UInt8(b)))
        } else {
            table[b] = String(UnicodeScalar(UInt32(next))!)
            next += 1
        }
    }
    return table
}

final class GPT2TokenizerTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gpt2-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Writes vocab.json / merges.txt (the test vocabulary unless given) and
    /// returns their paths.
    private func write(vocab: [String: Int]? = nil, merges: String? = nil) throws -> (vocab: String, merges: String) {
        var v: [String: Int] = [:]
        if let vocab { v = vocab } else {
            let alphabet = referenceByteAlphabet()
            for b in 0..<256 { v[alphabet[b]] = b }
            for (rank, m) in testMerges.enumerated() { v[m.replacingOccurrences(of: " ", with: "")] = 256 + rank }
            v["<|endoftext|>"] = 300
        }
        let paths = (vocab: dir + "/vocab.json", merges: dir + "/merges.txt")
        try JSONSerialization.data(withJSONObject: v).write(to: URL(fileURLWithPath: paths.vocab))
        try (merges ?? "#version: 0.2\n" + testMerges.joined(separator: "\n") + "\n")
            .write(toFile: paths.merges, atomically: true, encoding: .utf8)
        return paths
    }

    private func tokenizer() throws -> GPT2Tokenizer {
        let p = try write()
        return try GPT2Tokenizer(vocab: p.vocab, merges: p.merges)
    }

    private func pre(_ s: String) -> [String] { GPT2Tokenizer.preTokenize(s) }

    // MARK: Byte alphabet

    func testByteAlphabetIsGPT2s() {
        XCTAssertEqual(GPT2Tokenizer.byteToUnicode.map { String($0) }, referenceByteAlphabet())
        // Familiar symbols from the real vocabulary: space, newline, NUL, soft hyphen.
        let t = GPT2Tokenizer.byteToUnicode
        XCTAssertEqual([t[0x20], t[0x0A], t[0x00], t[0xAD], t[0x21], t[0xFF]], ["Ġ", "Ċ", "Ā", "Ń", "!", "ÿ"])
        XCTAssertEqual(GPT2Tokenizer.unicodeToByte.count, 256)
    }

    // MARK: Pre-tokeniser

    func testContractions() {
        XCTAssertEqual(pre("don't"), ["don", "'t"])
        XCTAssertEqual(pre("I'll"), ["I", "'ll"])
        XCTAssertEqual(pre("we're they've I'm he'd it's"),
                       ["we", "'re", " they", "'ve", " I", "'m", " he", "'d", " it", "'s"])
        // Case-sensitive: "'S" and "'T" are an apostrophe then a letter.
        XCTAssertEqual(pre("'S"), ["'", "S"])
        XCTAssertEqual(pre("DON'T"), ["DON", "'", "T"])
        // Half a contraction is not one; a space before the apostrophe joins it.
        XCTAssertEqual(pre("you'l"), ["you", "'", "l"])
        XCTAssertEqual(pre("he said 'so'"), ["he", " said", " '", "so", "'"])
        // Inside a punctuation run the apostrophe is just punctuation.
        XCTAssertEqual(pre("?'s"), ["?'", "s"])
        XCTAssertEqual(pre("'"), ["'"])
    }

    func testDigitsAndPunctuation() {
        XCTAssertEqual(pre("abc123def 4567"), ["abc", "123", "def", " 4567"])
        XCTAssertEqual(pre("3.14"), ["3", ".", "14"])
        XCTAssertEqual(pre("Hello!!! ...?"), ["Hello", "!!!", " ...?"])
        XCTAssertEqual(pre("a--b (x)"), ["a", "--", "b", " (", "x", ")"])
        // \p{N} is Nd, Nl and No: Arabic-Indic digits, Roman numerals, superscripts.
        XCTAssertEqual(pre("x² Ⅻ٣"), ["x", "²", " Ⅻ٣"])
    }

    func testWhitespace() {
        // The last space of a run leads the next word.
        XCTAssertEqual(pre("a   b"), ["a", "  ", " b"])
        XCTAssertEqual(pre(" hello"), [" hello"])
        // Trailing whitespace stays whole.
        XCTAssertEqual(pre("hi  "), ["hi", "  "])
        XCTAssertEqual(pre("hi "), ["hi", " "])
        XCTAssertEqual(pre("   "), ["   "])
        // Only U+0020 joins a word; a newline or tab before a word stands alone.
        XCTAssertEqual(pre("a\nb"), ["a", "\n", "b"])
        XCTAssertEqual(pre("a\n\nb"), ["a", "\n", "\n", "b"])
        XCTAssertEqual(pre("a\n\n"), ["a", "\n\n"])
        XCTAssertEqual(pre("a \n b"), ["a", " \n", " b"])
        XCTAssertEqual(pre("\tx"), ["\t", "x"])
        XCTAssertEqual(pre("x\r\ny"), ["x", "\r", "\n", "y"])
        // No-break space is \s but not the space that joins.
        XCTAssertEqual(pre(" \u{A0}x"), [" ", "\u{A0}", "x"])
        XCTAssertEqual(pre(""), [])
    }

    func testNonLatinAndEmoji() {
        XCTAssertEqual(pre("naïve café"), ["naïve", " café"])
        XCTAssertEqual(pre("日本語"), ["日本語"])
        XCTAssertEqual(pre("Привет мир"), ["Привет", " мир"])
        // Combining marks are not \p{L} (though `isAlphabetic` says vowel signs are).
        XCTAssertEqual(pre("cafe\u{301}"), ["cafe", "\u{301}"])
        XCTAssertEqual(pre("हिन्दी"), ["ह", "ि", "न", "्", "द", "ी"])
        // Emoji, skin-tone modifiers and ZWJ are all "other", one run with "!".
        XCTAssertEqual(pre("hi 👋🏽!"), ["hi", " 👋🏽!"])
        XCTAssertEqual(pre("👨‍👩‍👧 ok"), ["👨‍👩‍👧", " ok"])
    }

    // MARK: Encode

    func testEncodeWorkedExamples() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.name, "gpt2-bpe")
        XCTAssertEqual(t.vocabSize, 301)
        // " the": Ġ t h e → (Ġ t, rank 0) Ġt h e → (h e, 1) Ġt he → (Ġt he, 2) Ġthe.
        // " thing": Ġ t h i n g → Ġt h i n g → (i n, 3) Ġt h in g → (in g, 4)
        //   Ġt h ing; "Ġt h" is no merge, so it stays three tokens.
        XCTAssertEqual(t.encode(" the thing"), [258, 256, 104, 260])
        // Without the space "h e" (1) beats "t h" (7): t he, which does not merge.
        XCTAssertEqual(t.encode("the"), [116, 257])
        // "thing": i n (3), in g (4), then t h (7): th ing.
        XCTAssertEqual(t.encode("thing"), [263, 260])
        // " other": Ġ o t h e r; h e (1) beats t h (7) and e r (8): Ġ o t he r.
        XCTAssertEqual(t.encode(" other"), [32, 111, 116, 257, 114])
        // " an and a": Ġ a (5) then Ġa n (9) then Ġan d (10).
        XCTAssertEqual(t.encode(" an and a"), [265, 266, 261])
        // Every occurrence merges left to right, without overlap: aa aa a.
        XCTAssertEqual(t.encode("aaaaa"), [271, 271, 97])
        // "don" (o n: d on) and the contraction "'t" (' t).
        XCTAssertEqual(t.encode("don't"), [100, 268, 267])
        XCTAssertEqual(t.encode("DON'T"), [68, 79, 78, 39, 84])
        // "a", "  " (Ġ Ġ: ĠĠ), " b"; with four spaces "   " is ĠĠ Ġ.
        XCTAssertEqual(t.encode("a   b"), [97, 262, 32, 98])
        XCTAssertEqual(t.encode("a    b"), [97, 262, 32, 32, 98])
        // "ï" is bytes C3 AF, symbols Ã ¯, merged (13); "é" (C3 A9) is not.
        XCTAssertEqual(t.encode("naïve café"), [110, 97, 269, 118, 101, 32, 99, 97, 102, 195, 169])
        // "\n\n" merges only when it is one pre-token, i.e. at the end.
        XCTAssertEqual(t.encode("a\n\nb"), [97, 10, 10, 98])
        XCTAssertEqual(t.encode("a\n\n"), [97, 270])
        // "x" "12" " 345": 1 2 (16).
        XCTAssertEqual(t.encode("x12 345"), [120, 272, 32, 51, 52, 53])
        // Special tokens are not special in text: "<|", "endoftext", "|>".
        XCTAssertEqual(t.encode("<|endoftext|>"), Array("<|endoftext|>".utf8).map(Int32.init))
        XCTAssertEqual(t.encode(""), [])
        // A sentence: " the" " thing" " and" " the" " other" — repeats come from the cache.
        XCTAssertEqual(t.encode(" the thing and the other"), [258, 256, 104, 260, 266, 258, 32, 111, 116, 257, 114])
    }

    // MARK: Decode

    func testDecode() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.decode([258, 256, 104, 260]), " the thing")
        XCTAssertEqual(t.decode([300]), "<|endoftext|>")
        // Unused (280), negative and too-large ids are skipped.
        XCTAssertEqual(t.decode([258, 280, -1, 301, 1 << 30, 266]), " the and")
        // Half a character becomes U+FFFD, as Python's errors="replace".
        XCTAssertEqual(t.decode([195]), "\u{FFFD}")
        XCTAssertEqual(t.decode([]), "")
    }

    func testRoundTrip() throws {
        let t = try tokenizer()
        let samples = ["don't", "I'll", "'S", "a   b", "hi  ", "\n\n\t x\r\n", "naïve café", "日本語", "Привет, мир!",
                       "hi 👋🏽! 👨‍👩‍👧", "3.14 ² Ⅻ", "cafe\u{301}", "हिन्दी", "\u{0}\u{7F}\u{A0}\u{AD}", "aaaaa", "<|endoftext|>"]
        for s in samples { XCTAssertEqual(t.decode(t.encode(s)), s, s) }

        // A few kB mixed: the samples, shuffled with scalars from many scripts.
        var rng: UInt64 = 42
        func next(_ n: Int) -> Int {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((rng >> 33) % UInt64(n))
        }
        let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0xA0...0x24F, 0x370...0x4FF, 0x900...0x97F, 0x3040...0x30FF,
                                             0x4E00...0x4FFF, 0x1F300...0x1F64F, 0x2000...0x206F, 0x300...0x36F]
        var text = ""
        while text.utf8.count < 6000 {
            if next(3) == 0 { text += samples[next(samples.count)] } else {
                let r = ranges[next(ranges.count)]
                text.unicodeScalars.append(UnicodeScalar(r.lowerBound + UInt32(next(Int(r.count))))!)
            }
            if next(4) == 0 { text += [" ", "  ", "\n", "\t", " ' "][next(5)] }
        }
        let tokens = t.encode(text)
        XCTAssertEqual(t.decode(tokens), text)
        XCTAssertTrue(tokens.allSatisfy { $0 >= 0 && Int($0) < t.vocabSize })
        // Encoding is per pre-token, so encoding the pieces separately agrees.
        XCTAssertEqual(GPT2Tokenizer.preTokenize(text).flatMap { t.encode($0) }, tokens)
    }

    func testConcurrentEncode() throws {
        let t = try tokenizer()
        let text = String(repeating: " the thing and the other, don't 日本語 👋🏽\n", count: 200)
        let expected = t.encode(text)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var all: [[Int32]] = []
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let r = t.encode(text)
            results.lock.withLock { results.all.append(r) }
        }
        XCTAssertEqual(results.all.count, 8)
        for r in results.all { XCTAssertEqual(r, expected) }
    }

    // MARK: Loading

    func testMergesFileWithoutVersionLineAndCRLF() throws {
        let p = try write(merges: testMerges.joined(separator: "\r\n") + "\r\n\r\n")
        let t = try GPT2Tokenizer(vocab: p.vocab, merges: p.merges)
        XCTAssertEqual(t.encode(" the thing"), [258, 256, 104, 260])
    }

    func testErrorsNameTheFile() throws {
        func message(_ vocab: String, _ merges: String) -> String {
            do {
                _ = try GPT2Tokenizer(vocab: vocab, merges: merges)
                return "no error"
            } catch { return "\(error)" }
        }
        let good = try write()
        let missing = dir + "/nope.json"
        XCTAssertTrue(message(missing, good.merges).hasPrefix(missing + ":"), message(missing, good.merges))
        XCTAssertTrue(message(good.vocab, dir + "/nope.txt").hasPrefix(dir + "/nope.txt:"))

        try "{\"a\": 1,".write(toFile: good.vocab, atomically: true, encoding: .utf8)
        XCTAssertTrue(message(good.vocab, good.merges).hasPrefix(good.vocab + ": malformed"))
        try "[1, 2]".write(toFile: good.vocab, atomically: true, encoding: .utf8)
        XCTAssertTrue(message(good.vocab, good.merges).hasPrefix(good.vocab + ": malformed"))

        // A byte symbol missing: "Ġ" (the space).
        var vocab = Dictionary(uniqueKeysWithValues: referenceByteAlphabet().enumerated().map { ($1, $0) })
        vocab["Ġ"] = nil
        var p = try write(vocab: vocab, merges: "")
        XCTAssertTrue(message(p.vocab, p.merges).hasPrefix(p.vocab + ": byte symbol \"Ġ\""), message(p.vocab, p.merges))

        // Two symbols with one id.
        vocab["Ġ"] = 32
        vocab["xy"] = 32
        p = try write(vocab: vocab, merges: "")
        XCTAssertTrue(message(p.vocab, p.merges).contains("id 32 is given to both"))

        // Malformed merge line, with its line number (line 1 is the version).
        p = try write(merges: "#version: 0.2\nĠ t\nh e x\n")
        XCTAssertEqual(message(p.vocab, p.merges), "\(p.merges):3: expected two symbols \"left right\", got \"h e x\"")
        // A merge whose result is not in the vocabulary.
        p = try write(merges: "#version: 0.2\nĠ t\nx y\n")
        XCTAssertEqual(message(p.vocab, p.merges), "\(p.merges):3: \"xy\" is not in \(p.vocab)")
        // A merge part that is not a symbol at all.
        p = try write(merges: "#version: 0.2\nĠ t\nhe llo\n")
        XCTAssertEqual(message(p.vocab, p.merges), "\(p.merges):3: \"llo\" is not in \(p.vocab)")
    }
}
