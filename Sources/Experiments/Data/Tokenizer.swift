/// Text ↔ token ids.
package protocol Tokenizer: Sendable {
    /// Recorded in `meta.json`, e.g. "byte" or "gpt2-bpe".
    var name: String { get }
    var vocabSize: Int { get }
    func encode(_ text: String) -> [Int32]
    func decode(_ tokens: [Int32]) -> String
}

/// Byte-level tokenizer (vocabulary 256): a token is one UTF-8 byte, so
/// `decode(encode(s)) == s` for every string. The default for the tiny models.
package struct ByteTokenizer: Tokenizer {
    package init() {}

    package var name: String { "byte" }
    package var vocabSize: Int { 256 }
    package func encode(_ text: String) -> [Int32] { text.utf8.map { Int32($0) } }
    package func decode(_ tokens: [Int32]) -> String { String(decoding: tokens.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self) }
}
