/// Text ↔ token ids.
protocol Tokenizer: Sendable {
    /// Recorded in `meta.json`, e.g. "byte" or "gpt2-bpe".
    var name: String { get }
    var vocabSize: Int { get }
    func encode(_ text: String) -> [Int32]
    func decode(_ tokens: [Int32]) -> String
}

/// Byte-level tokenizer (vocabulary 256): a token is one UTF-8 byte, so
/// `decode(encode(s)) == s` for every string. The default for the tiny models.
struct ByteTokenizer: Tokenizer {
    var name: String { "byte" }
    var vocabSize: Int { 256 }
    func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }
    func decode(_ tokens: [Int32]) -> String { String(decoding: tokens.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self) }
}
