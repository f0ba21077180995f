package enum Language {
    /// Frequent English function words that are not words of German, French,
    /// Italian or Spanish ("in", "an", "on", "a" are left out for that reason).
    package static let englishWords: Set<String> = [
        "the", "and", "of", "to", "is", "are", "you", "your", "this", "that", "with", "for", "it", "be", "by",
        "or", "not", "can", "from", "which", "if",
    ]

    /// Translations of the Debian Reference leave some paragraphs in English
    /// (about 80 KB in French): a paragraph where at least 10% of the words are
    /// English function words is English (English prose has 25-30%, the
    /// translations well under 5%).
    package static func isEnglish(_ paragraph: String) -> Bool {
        var words = 0, english = 0
        ByteText.with(paragraph) { b in
            var start = 0
            while start < b.count {
                var end = start
                while end < b.count && b[end] != 0x20 { end += 1 }
                words += 1
                // Only short ASCII words can be one of the function words.
                if end - start <= 5, let word = String(bytes: ByteText.slice(b, start..<end), encoding: .ascii),
                   englishWords.contains(word.lowercased()) {
                    english += 1
                }
                start = end + 1
            }
        }
        return english * 10 >= words
    }
}
