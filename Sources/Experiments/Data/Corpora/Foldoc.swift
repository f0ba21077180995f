package enum Foldoc {
    /// Definition paragraphs of the dictd file: headwords (lines at column 0)
    /// and the dictionary's own metadata entries ("00-database-…") are dropped,
    /// cross-reference braces ("{bytes}" -> "bytes") removed, subject tags
    /// ("<programming> ") and citation / editorial-note paragraphs ("[…]") dropped.
    package static func definitions(_ text: String) -> [String] {
        var body: [Substring] = []
        var metadata = false
        for line in PlainText.lines(text) {
            if !PlainText.isBlank(line) && PlainText.indent(line) == 0 {
                metadata = line.utf8.starts(with: "00-database".utf8)
                body.append("")  // a headword ends the previous entry's paragraph
            } else if !metadata {
                body.append(withoutBraces(line))
            }
        }
        return PlainText.paragraphs(body).compactMap { paragraph in
            let text = withoutSubjectTag(paragraph)
            return text.utf8.first == .openBracket || !PlainText.isProse(text) ? nil : text
        }
    }

    /// "{bytes}" -> "bytes" (FOLDOC marks cross-references with braces; they may span lines).
    package static func withoutBraces(_ line: Substring) -> Substring {
        ByteText.with(line) { bytes in
            guard ByteText.find(.openBrace, in: bytes, from: 0) != nil || ByteText.find(.closeBrace, in: bytes, from: 0) != nil else { return line }
            return Substring(String(decoding: bytes.filter { $0 != .openBrace && $0 != .closeBrace }, as: UTF8.self))
        }
    }

    /// "<unit, data> A proposed unit …" -> "A proposed unit …"
    package static func withoutSubjectTag(_ text: String) -> String {
        ByteText.with(text) { bytes in
            guard bytes.first == .less, let close = ByteText.find(.greater, in: bytes, from: 1) else { return text }
            return ByteText.string(ByteText.trimmed(ByteText.slice(bytes, close + 1..<bytes.count)))
        }
    }
}
