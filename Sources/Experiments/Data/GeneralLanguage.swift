/// The language a base was pretrained on, and the general text of a corpus: what makes a base
/// fit a corpus. A corpus records it in `meta.json` (`parameters.general_language`: the language
/// of its `pretrain_*.bin`), a base in its safetensors metadata (`comigs pretrain` copies it from
/// the corpus it trained on). A run whose base learned another language than its data's is
/// refused (`RunInputs`); where either is unrecorded (one's own text, an imported GPT-2), the
/// round-0 check against a unigram model (`BaseFit`) is what catches a base that does not fit.
package enum GeneralLanguage {
    package static let key = "general_language"

    /// English prose (the real corpora's `pretrain_*.bin`) under a tokenizer (`Tokenizer.name`).
    package static func englishProse(tokenizer: String) -> String { "english-prose/" + tokenizer }

    /// The bases committed under `models/`, each with the language it learned and its context.
    package static let committedBases: [(path: String, language: String, context: Int)] = [
        ("models/synthetic-byte-tiny.safetensors", SyntheticCorpus.generalLanguage, 128),
        ("models/synthetic-byte-mini.safetensors", SyntheticCorpus.generalLanguage, 64),
        ("models/english-byte-tiny.safetensors", englishProse(tokenizer: "byte"), 128),
    ]

    /// The committed base for English (or other Latin-script) byte-level text.
    package static var englishBase: String { committedBases.first { $0.language == englishProse(tokenizer: "byte") }!.path }

    /// The committed bases that learned `language`, as "a (context c), b (context d)"; nil when none did.
    package static func bases(for language: String) -> String? {
        let fit = committedBases.filter { $0.language == language }
        return fit.isEmpty ? nil : fit.map { "\($0.path) (context \($0.context))" }.joined(separator: ", ")
    }

    /// A language in words, for messages: "the synthetic corpus's general language (synthetic-general/…)".
    package static func describe(_ language: String) -> String {
        if language == SyntheticCorpus.generalLanguage { return "the synthetic corpus's general language (\(language))" }
        if language.hasPrefix("english-prose/") { return "English prose, \(language.dropFirst("english-prose/".count)) tokens (\(language))" }
        return language
    }
}
