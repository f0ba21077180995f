/// Prose paragraphs of plain-text books (the Debian Reference as rendered by
/// w3m, Texinfo manuals as rendered by makeinfo, dictd entries): paragraphs are
/// blocks of lines between blank lines, and a block is kept only when every
/// rule below finds it to be running text.
package enum PlainText {
    package typealias Bytes = ByteText.Bytes

    /// A paragraph shorter than this (bytes, words) is a label, a heading
    /// or a list fragment ("Note", "Tip", "Answer all questions."), not prose.
    package static let minimumBytes = 40
    package static let minimumWords = 6

    /// Kept paragraphs, each joined to one line with whitespace collapsed.
    package static func paragraphs<Lines: Collection<Substring>>(_ lines: Lines) -> [String] {
        var out: [String] = []
        for block in blocks(lines) where !block.contains(where: isMarkupLine) {
            let text = joinWrapped(block)
            if !isHeading(firstLine: block[0], text: text) && isProse(text) { out.append(text) }
        }
        return out
    }

    // MARK: Lines and blocks

    /// Lines of `text` (without "\n" or "\r\n").
    package static func lines(_ text: String) -> [Substring] {
        let bounds: [Range<Int>] = ByteText.with(text) { b in
            var bounds: [Range<Int>] = [], start = 0, i = 0
            while i < b.count {
                if b[i] == 0x0A {
                    bounds.append(start..<(i > start && b[i - 1] == 0x0D ? i - 1 : i))
                    start = i + 1
                }
                i += 1
            }
            bounds.append(start..<b.count)
            return bounds
        }
        let utf8 = text.utf8, origin = utf8.startIndex
        return bounds.map { Substring(utf8[utf8.index(origin, offsetBy: $0.lowerBound)..<utf8.index(origin, offsetBy: $0.upperBound)]) }
    }

    /// Runs of non-blank lines.
    package static func blocks<Lines: Collection<Substring>>(_ lines: Lines) -> [[Substring]] {
        var blocks: [[Substring]] = [], block: [Substring] = []
        for line in lines {
            if isBlank(line) {
                if !block.isEmpty { blocks.append(block); block = [] }
            } else {
                block.append(line)
            }
        }
        if !block.isEmpty { blocks.append(block) }
        return blocks
    }

    package static func isBlank(_ line: Substring) -> Bool { ByteText.with(line, ByteText.isBlank) }

    package static func indent(_ line: Substring) -> Int { ByteText.with(line, ByteText.indent) }

    // MARK: Line rules (one such line discards its whole block)

    package static func isMarkupLine(_ line: Substring) -> Bool {
        ByteText.with(line) { bytes in
            let t = ByteText.trimmed(bytes)
            return hasBoxDrawing(t) || isTableLine(t) || isCommandLine(t) || isSeparator(t) || isPreformatted(bytes, trimmed: t)
        }
    }

    /// Box-drawing characters (U+2500–U+257F: E2 94 xx and E2 95 xx in UTF-8)
    /// draw tables, trees and screen shots.
    package static func hasBoxDrawing(_ t: Bytes) -> Bool {
        var i = 0
        while i + 1 < t.count {
            if t[i] == 0xE2 && (t[i + 1] == 0x94 || t[i + 1] == 0x95) { return true }
            i += 1
        }
        return false
    }

    /// ASCII tables: w3m draws cells with "|" and rules with "+---" / "|---+---|".
    package static func isTableLine(_ t: Bytes) -> Bool {
        t.first == .bar || t.last == .bar || ByteText.starts(t, with: "+-") || ByteText.starts(t, with: "+=")
    }

    /// Shell sessions and interpreter examples: "$ cmd" (user), "# cmd" (root), ">>> expr".
    package static func isCommandLine(_ t: Bytes) -> Bool {
        ByteText.starts(t, with: "$ ") || ByteText.starts(t, with: "# ") || ByteText.starts(t, with: ">>> ")
            || (t.count == 1 && (t[0] == .dollar || t[0] == .numberSign))
    }

    /// Rules and heading underlines: "----", "====", "****" (one repeated punctuation character).
    package static func isSeparator(_ t: Bytes) -> Bool {
        guard t.count >= 4 else { return false }
        switch t[0] {
        case .minus, .equals, .star, .underscore, .tilde, .dot,
             .numberSign, .plus, .caret, .quote, .apostrophe, .backquote,
             .colon:
            return ByteText.allEqual(t, t[0])
        default:
            return false
        }
    }

    /// Prose is wrapped to about 72 columns; longer lines, or gaps of three or
    /// more spaces inside a line (aligned columns), are preformatted text such as
    /// configuration files. (Texinfo puts two spaces after a sentence, hence three.)
    package static func isPreformatted(_ line: Bytes, trimmed t: Bytes) -> Bool {
        if line.count > 80 { return true }
        var i = 0, spaces = 0
        while i < t.count {
            spaces = t[i] == 0x20 ? spaces + 1 : 0
            if spaces >= 3 { return true }
            i += 1
        }
        return false
    }

    // MARK: Block rules

    /// Section headings and captions: "1.2.3. Title" or "2 Title" at column 0
    /// without a sentence end (numbered prose ends with ".", "!" or "?"), and
    /// "Tabelle 1.3. Caption" anywhere (also wrapped over two lines).
    package static func isHeading(firstLine: Substring, text: String) -> Bool {
        ByteText.with(firstLine) { line in
            if isCaption(ByteText.trimmed(line)) { return true }
            guard line.first != 0x20, let end = sectionNumberEnd(line, from: 0), end < line.count, line[end] == 0x20 else { return false }
            switch text.utf8.last {
            case .dot, .exclamation, .question: return false
            default: return true
            }
        }
    }

    /// "Table 1.3. …", "Kapitel 2. …": one word, then a section number ending in ".".
    package static func isCaption(_ t: Bytes) -> Bool {
        guard let space = ByteText.find(0x20, in: t, from: 0), space > 0 else { return false }
        var i = 0
        while i < space { if !ByteText.isLetter(t[i]) { return false }; i += 1 }
        guard let end = sectionNumberEnd(t, from: space + 1) else { return false }
        return t[end - 1] == .dot && end < t.count && t[end] == 0x20
    }

    /// The end of a section number ("12", "1.2.3.", "A.1.") starting at `from`,
    /// or nil when there is none. A letter must be followed by "." (so "A sentence"
    /// is no heading).
    package static func sectionNumberEnd(_ t: Bytes, from: Int) -> Int? {
        var i = from
        guard i < t.count else { return nil }
        if t[i] >= .upperA && t[i] <= .upperZ {
            i += 1
            guard i < t.count, t[i] == .dot else { return nil }
        } else {
            while i < t.count && ByteText.isDigit(t[i]) { i += 1 }
            guard i > from else { return nil }
        }
        while i < t.count && t[i] == .dot {
            i += 1
            while i < t.count && ByteText.isDigit(t[i]) { i += 1 }
        }
        return i
    }

    /// Counts taken in one pass over a paragraph, for the rules below.
    package struct Counts {
        package var bytes = 0, words = 0, links = 0
        /// Characters other than spaces; of those, letters and code symbols.
        package var visible = 0, letters = 0, symbols = 0
    }

    package static func counts(_ text: Bytes) -> Counts {
        byteClasses.withUnsafeBufferPointer { classes in
            var c = Counts()
            c.bytes = text.count
            var i = 0, wordStart = 0, scheme = false, at = false, dot = false
            while i <= text.count {
                let byte: UInt8 = i < text.count ? text[i] : 0x20  // a space after the end closes the last word
                if byte == 0x20 {
                    if i > wordStart {
                        c.words += 1
                        let www = text[wordStart] == 0x77 && ByteText.starts(ByteText.slice(text, wordStart..<i), with: "www.")
                        if scheme || www || (at && dot) { c.links += 1 }
                    }
                    wordStart = i + 1
                    scheme = false; at = false; dot = false
                } else if byte < 0x80 {
                    c.visible += 1
                    let cls = classes[Int(byte)]
                    if cls == letterClass { c.letters += 1 } else if cls == symbolClass { c.symbols += 1 }
                    if byte == .slash && i >= 2 && text[i - 1] == .slash && text[i - 2] == .colon { scheme = true }
                    if byte == .at { at = true }
                    if byte == .dot { dot = true }
                } else if byte >= 0xC0 {
                    // The first byte of a non-ASCII character: count the character once, as a letter.
                    c.visible += 1
                    c.letters += 1
                }
                i += 1
            }
            return c
        }
    }

    /// ASCII byte classes for `counts`, read from a table: the loop runs over
    /// every paragraph, and a table load is much cheaper than predicate calls
    /// in debug builds.
    package static let letterClass: UInt8 = 1, symbolClass: UInt8 = 2
    package static let byteClasses: [UInt8] = (0..<256).map { byte in
        let b = UInt8(byte)
        return b < 0x80 && ByteText.isLetter(b) ? letterClass : isCodeSymbol(b) ? symbolClass : 0
    }

    /// Characters that are common in code and configuration, rare in prose.
    package static func isCodeSymbol(_ byte: UInt8) -> Bool {
        switch byte {
        case .openBrace, .closeBrace, .openBracket, .closeBracket, .semicolon, .equals, .less, .greater, .backslash,
             .bar, .ampersand, .star, .underscore, .dollar, .numberSign, .at, .caret, .tilde:
            return true
        default:
            return false
        }
    }

    /// Checks on the joined text of a paragraph (shared with the reST and FOLDOC cleaners).
    package static func isProse(_ text: String) -> Bool {
        let c = ByteText.with(text, counts)
        return !isShort(c) && !isURLList(c) && !isCodeLike(c) && !isSymbolHeavy(c)
    }

    /// Too short to be a paragraph of prose.
    package static func isShort(_ c: Counts) -> Bool { c.bytes < minimumBytes || c.words < minimumWords }

    /// Lists of links: more than a quarter of the words are URLs or mail addresses.
    package static func isURLList(_ c: Counts) -> Bool { c.links * 4 > c.words }

    /// Code and configuration that slipped through: more than 5% code symbols.
    package static func isCodeLike(_ c: Counts) -> Bool { c.symbols * 20 > c.visible }

    /// Numbers, paths and option lists: fewer than 70% of the characters are letters.
    package static func isSymbolHeavy(_ c: Counts) -> Bool { c.letters * 10 < c.visible * 7 }

    // MARK: Joining

    /// Joins wrapped lines into one line: list marker dropped, whitespace collapsed.
    package static func joinWrapped(_ block: [Substring]) -> String {
        var out: [UInt8] = []
        for line in block {
            ByteText.with(line) { bytes in
                let t = ByteText.trimmed(bytes)
                if !out.isEmpty && !isSlashWrap(previous: out.last!, next: t.first!) { out.append(0x20) }
                ByteText.appendCollapsed(t, to: &out)
            }
        }
        return out.withUnsafeBufferPointer { ByteText.string(withoutListMarker($0)) }
    }

    /// w3m breaks long paths and URLs right after or before a "/"
    /// ("/usr/share/doc/" + "debian-policy/…", "https://" + "www.debian.org"):
    /// such a break joins without a space.
    package static func isSlashWrap(previous: UInt8, next: UInt8) -> Bool {
        previous == .slash || next == .slash
    }

    /// Drops a leading list marker: "* ", "+ ", "- ", "o " (w3m's bullets), "• ", "3. ", "^[6] " (footnotes).
    package static func withoutListMarker(_ t: Bytes) -> Bytes {
        for bullet: StaticString in ["* ", "+ ", "- ", "o ", "• "] where ByteText.starts(t, with: bullet) {
            return ByteText.slice(t, bullet.utf8CodeUnitCount..<t.count)
        }
        var digits = 0
        while digits < t.count && ByteText.isDigit(t[digits]) { digits += 1 }
        if digits > 0, digits < 3, ByteText.starts(ByteText.slice(t, digits..<t.count), with: ". ") {
            return ByteText.slice(t, digits + 2..<t.count)
        }
        if ByteText.starts(t, with: "^["), let close = ByteText.find(.closeBracket, in: t, from: 2, limit: 8),
           close + 1 < t.count, t[close + 1] == 0x20 {
            return ByteText.slice(t, close + 2..<t.count)
        }
        return t
    }

    /// Runs of whitespace become one space; ends trimmed.
    package static func collapseWhitespace(_ text: String) -> String { ByteText.with(text, ByteText.collapseWhitespace) }
}
