import Foundation

/// GPT-2's byte-level BPE, loaded from Hugging Face `vocab.json` + `merges.txt`,
/// encoding token for token like OpenAI's `encoder.py`:
///  1. split the text into pre-tokens with GPT-2's pattern (`PreTokens`);
///  2. spell each pre-token's UTF-8 bytes with the `bytes_to_unicode` alphabet;
///  3. merge the lowest-ranked adjacent pair until none applies (`bpe`);
///  4. look the symbols up in the vocabulary.
///
/// Internally symbols are ids, never strings: a byte starts as the id of its
/// one-character symbol and a merge maps a pair of ids to (rank, merged id).
/// `init` checks that this is closed — all 256 byte symbols, both parts and the
/// result of every merge are in the vocabulary — so `encode` can never meet an
/// unknown symbol and needs no fallback path.
///
/// Thread safety: the struct is immutable after `init`. The pre-token → tokens
/// cache lives in a local of one `encode` call, so nothing is shared between
/// threads and no lock is needed; encoding a large text in one call gets the
/// full benefit of the cache (word frequencies are Zipfian).
package struct GPT2Tokenizer: Tokenizer {
    package struct Error: Swift.Error, CustomStringConvertible {
        package let description: String
    }

    package var name: String { "gpt2-bpe" }
    /// Largest id + 1 (50257 for GPT-2: 256 bytes, 50000 merges, `<|endoftext|>`).
    package let vocabSize: Int

    /// byte → id of its one-character symbol.
    private let byteToken: [Int32]
    /// (left id, right id) → rank and result.
    private let merges: MergeTable
    /// id → its bytes: `tokenBytes[tokenStart[id]..<tokenStart[id + 1]]`; ids
    /// absent from vocab.json have an empty range.
    private let tokenBytes: [UInt8]
    private let tokenStart: [Int32]
    /// Character classes of the 128 ASCII scalars, the hot path of the scanner.
    private let asciiClass: [CharClass]

    package struct Merge {
        package var rank: Int32
        package var id: Int32
    }

    package init(vocab vocabPath: String, merges mergesPath: String) throws {
        let vocab = try Self.readVocab(vocabPath)

        byteToken = try (0..<256).map { b in
            let symbol = String(Character(Self.byteToUnicode[b]))
            guard let id = vocab[symbol] else {
                throw Error(description: "\(vocabPath): byte symbol \"\(symbol)\" (byte 0x\(String(b, radix: 16))) is missing; a GPT-2 byte-level vocabulary holds all 256")
            }
            return id
        }

        // Rank = position among the merges. A repeated pair keeps its last rank,
        // as in OpenAI's `dict(zip(bpe_merges, range(len(bpe_merges))))`.
        let lines = try Self.readMerges(mergesPath)
        var merges = MergeTable(capacity: lines.count)
        var rank: Int32 = 0
        for (lineNumber, pair) in lines {
            func id(_ symbol: String) throws -> Int32 {
                guard let id = vocab[symbol] else {
                    throw Error(description: "\(mergesPath):\(lineNumber): \"\(symbol)\" is not in \(vocabPath)")
                }
                return id
            }
            let left = try id(pair.0), right = try id(pair.1)
            merges.insert(left, right, Merge(rank: rank, id: try id(pair.0 + pair.1)))
            rank += 1
        }
        self.merges = merges

        // Invert the vocabulary into a flat byte table for decode.
        var symbolOf = [String?](repeating: nil, count: Int(vocab.values.max() ?? -1) + 1)
        for (symbol, id) in vocab { symbolOf[Int(id)] = symbol }
        var bytes: [UInt8] = [], start: [Int32] = [0]
        for symbol in symbolOf {
            for s in (symbol ?? "").unicodeScalars {
                // A character outside the byte alphabet (only in a hand-edited
                // vocabulary, never produced by encode) decodes as itself.
                if let b = Self.unicodeToByte[s] { bytes.append(b) } else { bytes.append(contentsOf: String(s).utf8) }
            }
            start.append(Int32(bytes.count))
        }
        vocabSize = symbolOf.count
        tokenBytes = bytes
        tokenStart = start
        asciiClass = (0..<128).map { Self.charClass(Unicode.Scalar(UInt8($0))) }
    }

    // MARK: Encode

    package func encode(_ text: String) -> [Int32] {
        var text = text
        return text.withUTF8 { utf8 in
            var out: [Int32] = []
            out.reserveCapacity(utf8.count / 3)
            // Where each distinct pre-token's tokens were first written to `out`.
            // Keys point into `utf8`, which outlives this dictionary.
            var cache: [Piece: Range<Int>] = [:]
            var word: [Int32] = []
            var pieces = PreTokens(utf8, asciiClass: asciiClass)
            while let r = pieces.next() {
                if r.count == 1 {  // one byte: nothing to merge, nothing worth caching
                    out.append(byteToken[Int(utf8[r.lowerBound])])
                    continue
                }
                let key = Piece(bytes: UnsafeBufferPointer(rebasing: utf8[r]))
                if let seen = cache[key] {
                    // Element by element: appending the slice `out[seen]` would
                    // hold a second reference to `out` and copy it whole.
                    for i in seen { out.append(out[i]) }
                    continue
                }
                word.removeAll(keepingCapacity: true)
                for b in key.bytes { word.append(byteToken[Int(b)]) }
                bpe(&word)
                cache[key] = out.count..<out.count + word.count
                out.append(contentsOf: word)
            }
            return out
        }
    }

    /// OpenAI's `bpe()`: take the adjacent pair with the lowest rank, merge every
    /// occurrence of it left to right (non-overlapping: "a a a" → "aa a"), and
    /// repeat until no adjacent pair is a merge. Each pass is O(n) and pre-tokens
    /// are short, so no heap or linked list.
    private func bpe(_ word: inout [Int32]) {
        while word.count > 1 {
            var best = Merge(rank: .max, id: 0), at = -1
            for i in 0..<word.count - 1 {
                if let m = merges[word[i], word[i + 1]], m.rank < best.rank { (best, at) = (m, i) }
            }
            guard at >= 0 else { return }
            // Equal ranks mean the same pair, so `at` is its first occurrence and
            // nothing before it changes; compact in place from there.
            let (a, b) = (word[at], word[at + 1])
            var read = at, write = at
            while read < word.count {
                if read + 1 < word.count && word[read] == a && word[read + 1] == b {
                    word[write] = best.id
                    read += 2
                } else {
                    word[write] = word[read]
                    read += 1
                }
                write += 1
            }
            word.removeLast(word.count - write)
        }
    }

    /// Pair → merge, open addressing with a multiplicative hash. The pair lookup
    /// is the inner loop of `bpe`; a `Dictionary` spends most of it in SipHash.
    package struct MergeTable {
        private var keys: [UInt64]  // `empty` marks a free slot
        private var values: [Merge]
        private let shift: UInt64
        private static let empty = UInt64.max  // ids are < 2^24, so no pair packs to this

        package init(capacity: Int) {
            var bits = 4
            while 1 << bits < 2 * capacity { bits += 1 }  // load factor ≤ 1/2
            keys = Array(repeating: Self.empty, count: 1 << bits)
            values = Array(repeating: Merge(rank: 0, id: 0), count: 1 << bits)
            shift = UInt64(64 - bits)
        }

        /// Inserts or replaces.
        package mutating func insert(_ a: Int32, _ b: Int32, _ m: Merge) {
            let k = Self.key(a, b)
            var i = slot(k)
            while keys[i] != k && keys[i] != Self.empty { i = (i + 1) & (keys.count - 1) }
            keys[i] = k
            values[i] = m
        }

        package subscript(a: Int32, b: Int32) -> Merge? {
            let k = Self.key(a, b)
            var i = slot(k)
            while true {
                if keys[i] == k { return values[i] }
                if keys[i] == Self.empty { return nil }
                i = (i + 1) & (keys.count - 1)
            }
        }

        private static func key(_ a: Int32, _ b: Int32) -> UInt64 {
            UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
        }

        /// Fibonacci hashing: the top bits of key × 2^64/φ.
        private func slot(_ k: UInt64) -> Int { Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift) }
    }

    /// A pre-token's bytes as a view into the text being encoded, hashed and
    /// compared by content; only valid inside the `encode` call that made it.
    private struct Piece: Hashable {
        let bytes: UnsafeBufferPointer<UInt8>
        func hash(into h: inout Hasher) { h.combine(bytes: UnsafeRawBufferPointer(bytes)) }
        static func == (x: Piece, y: Piece) -> Bool {
            x.bytes.count == y.bytes.count && memcmp(x.bytes.baseAddress!, y.bytes.baseAddress!, x.bytes.count) == 0
        }
    }

    // MARK: Decode

    /// ids → bytes → String; ids outside the vocabulary are skipped, and bytes
    /// that are not valid UTF-8 (a multi-byte character cut between tokens)
    /// become U+FFFD, like Python's `errors="replace"`.
    package func decode(_ tokens: [Int32]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tokens.count * 4)
        for t in tokens where t >= 0 && Int(t) < vocabSize {
            bytes.append(contentsOf: tokenBytes[Int(tokenStart[Int(t)])..<Int(tokenStart[Int(t) + 1])])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Pre-tokenisation

    /// The classes GPT-2's pattern distinguishes: \p{L}, \p{N}, \s, the rest.
    package enum CharClass: UInt8 { case letter, number, space, other }

    /// \p{L} and \p{N} by general category (`isAlphabetic` would also take
    /// combining marks and Roman numerals), \s as Unicode White_Space.
    package static func charClass(_ s: Unicode.Scalar) -> CharClass {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return s.properties.isWhitespace ? .space : .other
        }
    }

    /// The pre-tokens of `text` as strings (for tests and inspection).
    package static func preTokenize(_ text: String) -> [String] {
        var text = text
        let asciiClass = (0..<128).map { charClass(Unicode.Scalar(UInt8($0))) }
        return text.withUTF8 { utf8 in
            var pieces = PreTokens(utf8, asciiClass: asciiClass), out: [String] = []
            while let r = pieces.next() { out.append(String(decoding: UnsafeBufferPointer(rebasing: utf8[r]), as: UTF8.self)) }
            return out
        }
    }

    /// Byte ranges of the matches of GPT-2's pattern
    ///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
    /// scanned by hand over valid UTF-8. At each position the first alternative
    /// that matches wins; every alternative is a greedy run of one class, so no
    /// backtracking is needed except the one character `\s+(?!\S)` gives back.
    package struct PreTokens: IteratorProtocol {
        private let u: UnsafeBufferPointer<UInt8>
        private let asciiClass: [CharClass]
        private var pos = 0

        package init(_ utf8: UnsafeBufferPointer<UInt8>, asciiClass: [CharClass]) {
            u = utf8
            self.asciiClass = asciiClass
        }

        package mutating func next() -> Range<Int>? {
            let start = pos
            guard start < u.count else { return nil }
            if u[start] == UInt8(ascii: "'"), let n = contraction(at: start) {
                pos = start + n
                return start..<pos
            }
            var (cls, end) = scalar(at: start)
            // " ?X+": one U+0020 space (not a tab or newline) leads a following
            // run of letters, numbers or other symbols.
            if u[start] == UInt8(ascii: " ") && end < u.count {
                let (next, nextEnd) = scalar(at: end)
                if next != .space { (cls, end) = (next, nextEnd) }
            }
            if cls != .space {
                while end < u.count {
                    let (c, e) = scalar(at: end)
                    guard c == cls else { break }
                    end = e
                }
                pos = end
                return start..<end
            }
            // A whitespace run. `\s+(?!\S)` takes it all at the end of the text,
            // else gives back its last character so that one can lead the next
            // word (" hello" stays one pre-token); a single whitespace character
            // before a non-space is left to `\s+`, which takes it alone.
            var last = start
            while end < u.count {
                let (c, e) = scalar(at: end)
                guard c == .space else { break }
                (last, end) = (end, e)
            }
            if end < u.count && last > start { end = last }
            pos = end
            return start..<end
        }

        /// Length of the contraction at an apostrophe: 's 't 'm 'd 're 've 'll,
        /// lowercase only (the pattern is case-sensitive, so "'S" is not one).
        private func contraction(at i: Int) -> Int? {
            guard i + 1 < u.count else { return nil }
            let third: UInt8? = i + 2 < u.count ? u[i + 2] : nil
            switch u[i + 1] {
            case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"): return 2
            case UInt8(ascii: "r"), UInt8(ascii: "v"): return third == UInt8(ascii: "e") ? 3 : nil
            case UInt8(ascii: "l"): return third == UInt8(ascii: "l") ? 3 : nil
            default: return nil
            }
        }

        /// Class of the scalar at byte `i` and the byte index just past it.
        @inline(__always) private func scalar(at i: Int) -> (CharClass, Int) {
            let b0 = u[i]
            if b0 < 0x80 { return (asciiClass[Int(b0)], i + 1) }
            // The text came from a String, so it is valid UTF-8: the lead byte
            // gives the length, continuation bytes carry 6 bits each.
            let n = b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4
            var v = UInt32(b0) & (0x7F >> n)
            for k in 1..<n { v = v << 6 | UInt32(u[i + k] & 0x3F) }
            return (Unicode.Scalar(v).map(GPT2Tokenizer.charClass) ?? .other, i + n)
        }
    }

    // MARK: Byte alphabet

    /// GPT-2's `bytes_to_unicode`: printable bytes ('!'…'~', '¡'…'¬', '®'…'ÿ')
    /// stand for themselves, the other 68 for U+0100, U+0101, … in byte order,
    /// so every symbol is a visible character and never whitespace.
    package static let byteToUnicode: [Unicode.Scalar] = {
        var next: UInt32 = 256
        return (0..<256).map { b in
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                return Unicode.Scalar(UInt8(b))
            }
            defer { next += 1 }
            return Unicode.Scalar(next)!
        }
    }()

    package static let unicodeToByte: [Unicode.Scalar: UInt8] =
        Dictionary(uniqueKeysWithValues: byteToUnicode.enumerated().map { ($1, UInt8($0)) })

    // MARK: Files

    /// vocab.json: one JSON object, symbol → id; ids distinct, in 0..<2^24.
    private static func readVocab(_ path: String) throws -> [String: Int32] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Error(description: "\(path): cannot read vocabulary")
        }
        let raw: [String: Int]
        do { raw = try JSONDecoder().decode([String: Int].self, from: data) } catch {
            throw Error(description: "\(path): malformed vocabulary, expected a JSON object of symbol → id: \(error)")
        }
        var owner: [Int: String] = [:]
        for (symbol, id) in raw {
            // Bounded so a corrupt id cannot make decode's table huge.
            guard (0..<(1 << 24)).contains(id) else {
                throw Error(description: "\(path): id \(id) of \"\(symbol)\" is outside 0..<\(1 << 24)")
            }
            if let other = owner.updateValue(symbol, forKey: id) {
                throw Error(description: "\(path): id \(id) is given to both \"\(other)\" and \"\(symbol)\"")
            }
        }
        return raw.mapValues { Int32($0) }
    }

    /// merges.txt: an optional `#version` first line, then one "left right" pair
    /// per non-empty line, in rank order. Returns (line number, pair).
    private static func readMerges(_ path: String) throws -> [(Int, (String, String))] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Error(description: "\(path): cannot read merges")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Error(description: "\(path): not UTF-8")
        }
        var out: [(Int, (String, String))] = []
        // Split on "\n" scalars: a "\r\n" Character would not match "\n".
        for (i, line) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(line)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || (i == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 2 else {
                throw Error(description: "\(path):\(i + 1): expected two symbols \"left right\", got \"\(line)\"")
            }
            out.append((i + 1, (String(parts[0]), String(parts[1]))))
        }
        return out
    }
}
