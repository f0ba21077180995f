/// Cuts a client's text into documents when it has too few for document-level splits:
/// one export file per client would otherwise go to train whole, leaving
/// valid and test empty.
///
/// The rule: a client with fewer than `minimumDocuments` documents is re-cut into about
/// `segments` documents of similar size. Each file is read as blank-line paragraphs;
/// a paragraph longer than a quarter of the target size is cut at line breaks, then at
/// spaces, then (text with no boundaries at all, e.g. CJK without spaces) at any
/// character, into pieces of at most that quarter; consecutive pieces of one file are
/// grouped until a document reaches the target size (UTF-8 bytes: the byte tokenizer's
/// tokens), and a file's end ends a document. Documents then fall in [target, 1.25·target)
/// except each file's last, so document fractions are token fractions to within a
/// fraction of a percent. Clients with enough documents keep them as they are.
package enum Segmentation {
    /// Fewer documents than this and the client is re-cut.
    package static let minimumDocuments = 100
    /// About how many documents a re-cut client gets.
    package static let segments = 200

    package static func documents(_ docs: [String]) -> [String] {
        guard docs.count < minimumDocuments else { return docs }
        let total = docs.reduce(0) { $0 + $1.utf8.count }
        let target = max(4, (total + segments - 1) / segments)
        var out: [String] = []
        for doc in docs {
            // Pieces of one paragraph join as they were; paragraphs with a blank line.
            var current = "", size = 0
            for paragraph in paragraphs(doc) {
                for (j, piece) in cut(paragraph, limit: target / 4).enumerated() {
                    if j == 0 && !current.isEmpty { current += "\n\n" }
                    current += piece
                    size += piece.utf8.count
                    if size >= target {
                        out.append(current)
                        current = ""
                        size = 0
                    }
                }
            }
            if !current.isEmpty { out.append(current) }
        }
        return out
    }

    /// Runs of non-blank lines.
    package static func paragraphs(_ text: String) -> [Substring] {
        var out: [Substring] = [], start: String.Index?
        var end = text.startIndex
        var lineStart = text.startIndex
        while lineStart < text.endIndex {
            let lineEnd = text[lineStart...].firstIndex(of: "\n") ?? text.endIndex
            let blank = text[lineStart..<lineEnd].allSatisfy(\.isWhitespace)
            if blank {
                if let s = start { out.append(text[s..<end]); start = nil }
            } else {
                if start == nil { start = lineStart }
                end = lineEnd
            }
            lineStart = lineEnd < text.endIndex ? text.index(after: lineEnd) : text.endIndex
        }
        if let s = start { out.append(text[s..<end]) }
        return out
    }

    /// Pieces of at most `limit` UTF-8 bytes (one character more only if a single
    /// character is longer), cut after the last line break, else the last space,
    /// before the limit, else at the character boundary below it.
    package static func cut(_ text: Substring, limit: Int) -> [Substring] {
        var out: [Substring] = [], rest = text
        let limit = max(1, limit)
        while rest.utf8.count > limit {
            var end = rest.utf8.index(rest.startIndex, offsetBy: limit)
            while String.Index(end, within: rest) == nil { end = rest.utf8.index(before: end) }
            if end == rest.startIndex { end = rest.index(after: rest.startIndex) }
            let head = rest[..<end]
            if let nl = head.lastIndex(of: "\n"), nl > head.startIndex {
                end = rest.index(after: nl)
            } else if let sp = head.lastIndex(of: " "), sp > head.startIndex {
                end = rest.index(after: sp)
            }
            out.append(rest[..<end])
            rest = rest[end...]
        }
        if !rest.isEmpty { out.append(rest) }
        return out
    }
}
