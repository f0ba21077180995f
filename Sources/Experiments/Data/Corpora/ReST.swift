/// Prose paragraphs of Sphinx reST sources: section titles, directives with
/// their options, literal and code blocks, doctests, tables and comments are
/// dropped; inline roles (":func:`x`" -> "x"), literals and emphasis are unwrapped.
package enum ReST {
    package typealias Bytes = ByteText.Bytes

    /// Directives whose body is code, tables or navigation, not prose.
    package static let codeDirectives: Set<String> = [
        "code-block", "sourcecode", "code", "literalinclude", "parsed-literal", "math",
        "doctest", "testcode", "testoutput", "testsetup", "testcleanup", "productionlist",
        "toctree", "index", "raw", "include", "table", "csv-table", "list-table", "tabularcolumns",
        "image", "figure", "graphviz", "highlight", "audit-event-table", "limited-api-list",
    ]

    /// Directives whose argument and body are prose (admonitions, version notes).
    /// Other directives (function, class, module, …) have a signature header,
    /// which is dropped, and a prose body after it.
    package static let proseDirectives: Set<String> = [
        "note", "warning", "seealso", "versionadded", "versionchanged", "deprecated", "deprecated-removed",
        "impl-detail", "attention", "caution", "danger", "error", "hint", "important", "tip",
        "admonition", "topic", "sidebar", "rubric", "centered", "only", "availability", "glossary",
        "hlist", "container", "epigraph", "highlights", "pull-quote", "compound",
    ]

    /// The line kinds the parser reacts to.
    package enum Line {
        case blank
        /// A section title's under- or overline: one repeated punctuation character.
        case adornment
        /// Grid tables ("+---+", "| cell |"), simple tables ("=====  ====="), line blocks ("| text"), doctests (">>>").
        case tableOrDoctest
        /// ".. name:: argument"
        case directive(name: String, argument: [UInt8])
        /// Comments, link targets, footnotes, substitution definitions (".. " without "name::").
        case comment
        /// ":name: value": directive options (":synopsis: …") and field lists.
        case field
        case text
    }

    package static func paragraphs(_ source: String) -> [String] {
        var out: [String] = []
        var paragraph: [UInt8] = [], lines = 0, lastLineStart = 0
        var column = 0                  // where the current paragraph's text starts
        var skipDeeperThan: Int? = nil  // inside a literal/code block or comment indented deeper than this
        var skipToBlank = false         // inside a table, doctest or directive header

        func flush() {
            if lines > 0, let text = finish(paragraph) { out.append(text) }
            paragraph = []
            lines = 0
        }
        func start(_ text: Bytes, column c: Int) {
            column = c
            lastLineStart = 0
            paragraph = Array(text)
            lines = 1
        }

        for line in PlainText.lines(source) {
            ByteText.with(line) { bytes in
                let indent = ByteText.indent(bytes), t = ByteText.trimmed(bytes)
                let kind = classify(t)
                if let base = skipDeeperThan {
                    if case .blank = kind { return }
                    if indent > base { return }
                    skipDeeperThan = nil
                }
                if case .blank = kind { flush(); skipToBlank = false; return }
                if skipToBlank { return }

                switch kind {
                case .blank:
                    break
                case .adornment:
                    // The line above an underline is a section title, not prose.
                    if lines > 0 { paragraph.removeSubrange(lastLineStart...); lines -= 1 }
                    flush()
                case .tableOrDoctest:
                    // Tables and doctests run to the next blank line; text above them in the block goes too.
                    paragraph = []; lines = 0
                    skipToBlank = true
                case .directive(let name, let argument):
                    flush()
                    if codeDirectives.contains(name) {
                        skipDeeperThan = indent
                    } else if proseDirectives.contains(name) {
                        let text = argument.withUnsafeBufferPointer(withoutVersion)
                        if !text.isEmpty { text.withUnsafeBufferPointer { start($0, column: indent + 3) } }
                    } else {
                        skipToBlank = true
                    }
                case .comment:
                    flush()
                    skipDeeperThan = indent
                case .field:
                    break
                case .text:
                    // A change of indentation starts a new paragraph (definition lists, block quotes, list items).
                    if lines > 0 && indent != column { flush() }
                    if lines == 0 {
                        start(t, column: indent + listMarkerWidth(t))
                    } else {
                        paragraph.append(0x20)
                        lastLineStart = paragraph.count
                        paragraph.append(contentsOf: t)
                        lines += 1
                    }
                    if ByteText.ends(t, with: "::") {
                        // "text::" introduces a literal block: everything indented deeper.
                        flush()
                        skipDeeperThan = column
                    }
                }
            }
        }
        flush()
        return out
    }

    package static func classify(_ t: Bytes) -> Line {
        if t.isEmpty { return .blank }
        if isTitleAdornment(t) { return .adornment }
        if isTableLine(t) || ByteText.starts(t, with: ">>>") { return .tableOrDoctest }
        if ByteText.starts(t, with: "..") {
            if let (name, argument) = directive(t) { return .directive(name: name, argument: argument) }
            return .comment
        }
        if isFieldLine(t) { return .field }
        return .text
    }

    /// A paragraph's bytes -> one line of plain prose, or nil when it is not prose.
    package static func finish(_ paragraph: [UInt8]) -> String? {
        var bytes = paragraph
        // "Example::" ends with ":" in the output; a lone " ::" disappears.
        if bytes.count >= 3, bytes[bytes.count - 3] == 0x20, bytes[bytes.count - 2] == .colon, bytes.last == .colon {
            bytes.removeLast(3)
        } else if bytes.count >= 2, bytes[bytes.count - 2] == .colon, bytes.last == .colon {
            bytes.removeLast()
        }
        let plain = bytes.withUnsafeBufferPointer(stripInlineMarkup)
        let text = plain.withUnsafeBufferPointer { ByteText.collapseWhitespace(PlainText.withoutListMarker(ByteText.trimmed($0))) }
        return PlainText.isProse(text) ? text : nil
    }

    /// Section title under- and overlines: one repeated punctuation character, three or more.
    package static func isTitleAdornment(_ t: Bytes) -> Bool {
        guard t.count >= 3 else { return false }
        switch t[0] {
        case .equals, .minus, .tilde, .caret, .quote, .apostrophe,
             .star, .plus, .numberSign, .underscore, .backquote:
            return ByteText.allEqual(t, t[0])
        default:
            return false
        }
    }

    /// Grid tables ("+---+", "| cell |"), simple tables ("=====  =====") and line blocks ("| text").
    package static func isTableLine(_ t: Bytes) -> Bool {
        if ByteText.starts(t, with: "+-") || ByteText.starts(t, with: "+=") || t.first == .bar { return true }
        guard t.first == .equals else { return false }
        var i = 0, spaces = 0
        while i < t.count {
            if t[i] == 0x20 { spaces += 1 } else if t[i] != .equals { return false }
            i += 1
        }
        return spaces > 0
    }

    /// ".. name:: argument" -> (name without domain, argument); nil for comments and targets.
    package static func directive(_ t: Bytes) -> (String, [UInt8])? {
        guard ByteText.starts(t, with: ".. ") else { return nil }
        var i = 3, nameStart = 3
        while i < t.count {
            let byte = t[i]
            if byte == .colon {
                if i + 1 < t.count && t[i + 1] == .colon { break }
                nameStart = i + 1  // "c:function" -> "function"
            } else if !(ByteText.isAlphanumeric(byte) || byte == .minus || byte == .underscore) {
                return nil
            }
            i += 1
        }
        guard i + 1 < t.count, i > nameStart else { return nil }
        let argument = ByteText.trimmed(ByteText.slice(t, i + 2..<t.count))
        return (ByteText.string(ByteText.slice(t, nameStart..<i)), Array(argument))
    }

    /// ":name: value" or ":name:" alone: a field (a role has a backquote after the colon).
    package static func isFieldLine(_ t: Bytes) -> Bool {
        guard t.count > 2, t[0] == .colon, let close = ByteText.find(.colon, in: t, from: 1), close > 1 else { return false }
        return close + 1 == t.count || t[close + 1] == 0x20
    }

    /// Version directives start with version numbers ("3.2", "3.9 3.11"): not prose.
    package static func withoutVersion(_ argument: Bytes) -> [UInt8] {
        var i = 0
        while i < argument.count {
            var j = i
            while j < argument.count && (ByteText.isDigit(argument[j]) || argument[j] == .dot) { j += 1 }
            guard j > i, j == argument.count || argument[j] == 0x20 else { break }
            i = j
            while i < argument.count && argument[i] == 0x20 { i += 1 }
        }
        return Array(ByteText.slice(argument, i..<argument.count))
    }

    /// Width of a leading "* ", "- ", "#. " or "12. " list marker (continuation lines align after it).
    package static func listMarkerWidth(_ t: Bytes) -> Int {
        if ByteText.starts(t, with: "* ") || ByteText.starts(t, with: "- ") || ByteText.starts(t, with: "+ ") { return 2 }
        if ByteText.starts(t, with: "#. ") { return 3 }
        var digits = 0
        while digits < t.count && ByteText.isDigit(t[digits]) { digits += 1 }
        return digits > 0 && ByteText.starts(ByteText.slice(t, digits..<t.count), with: ". ") ? digits + 2 : 0
    }

    // MARK: Inline markup

    /// Unwraps inline markup: roles (":func:`x`", ":ref:`title <target>`",
    /// ":meth:`~a.b`" -> "b"), literals ("``x``"), links ("`text <url>`_"),
    /// emphasis ("*x*", "**x**"); drops footnote references ("[#]_") and
    /// resolves backslash escapes.
    package static func stripInlineMarkup(_ b: Bytes) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        let backquote = UInt8.backquote
        while i < b.count {
            let c = b[i]
            if c == .colon, let (start, end) = role(b, at: i) {
                out.append(contentsOf: rolePrefix(ByteText.slice(b, i..<start)).utf8)
                appendShownText(ByteText.slice(b, start..<end), to: &out)
                i = end + 1
            } else if c == backquote, i + 1 < b.count, b[i + 1] == backquote, let end = literalEnd(b, from: i + 2) {
                out.append(contentsOf: ByteText.slice(b, i + 2..<end))
                i = end + 2
            } else if c == backquote, let end = ByteText.find(backquote, in: b, from: i + 1) {
                appendShownText(ByteText.slice(b, i + 1..<end), to: &out)
                i = end + 1
                while i < b.count && b[i] == .underscore { i += 1 }  // `link`_ and `anonymous link`__
            } else if c == .star, let (start, end, width) = emphasis(b, at: i) {
                out.append(contentsOf: ByteText.slice(b, start..<end))
                i = end + width
            } else if c == .openBracket, let end = footnoteReferenceEnd(b, at: i) {
                if out.last == 0x20 { out.removeLast() }
                i = end
            } else if c == .backslash, i + 1 < b.count {
                // An escape: "\ " is nothing, "\\" or "\*" stand for the character.
                if b[i + 1] != 0x20 { out.append(b[i + 1]) }
                i += 2
            } else {
                out.append(c)
                i += 1
            }
        }
        return out
    }

    /// Roles that Sphinx shows with a prefix: ":issue:`123`" -> "bpo-123", ":pep:`8`" -> "PEP 8".
    package static let rolePrefixes: [String: String] = ["issue": "bpo-", "gh": "gh-", "pep": "PEP ", "rfc": "RFC "]

    /// The prefix for a role, given its ":name:" bytes.
    package static func rolePrefix(_ marker: Bytes) -> String {
        guard marker.count > 2 else { return "" }
        return rolePrefixes[ByteText.string(ByteText.slice(marker, 1..<marker.count - 2))] ?? ""
    }

    /// The closing "``" of an inline literal.
    package static func literalEnd(_ b: Bytes, from: Int) -> Int? {
        var i = from
        while let tick = ByteText.find(.backquote, in: b, from: i) {
            if tick + 1 < b.count && b[tick + 1] == .backquote { return tick }
            i = tick + 1
        }
        return nil
    }

    /// A role ":name:`content`" or ":domain:name:`content`" at `i`: the content's bounds.
    package static func role(_ b: Bytes, at i: Int) -> (Int, Int)? {
        if i > 0 && ByteText.isAlphanumeric(b[i - 1]) { return nil }
        var j = i + 1
        while j < b.count {
            let byte = b[j]
            guard ByteText.isAlphanumeric(byte) || byte == .minus || byte == .underscore
                    || byte == .colon || byte == .plus || byte == .dot else { break }
            j += 1
        }
        guard j < b.count, j > i + 2, b[j] == .backquote, b[j - 1] == .colon,
              let end = ByteText.find(.backquote, in: b, from: j + 1) else { return nil }
        return (j + 1, end)
    }

    /// What a role or link shows: "title <target>" -> "title"; "~a.b.c" -> "c"; "!x" -> "x".
    package static func appendShownText(_ content: Bytes, to out: inout [UInt8]) {
        var lo = 0, hi = content.count
        if hi > 0, content[hi - 1] == .greater, let open = lastIndex(of: .less, in: content, before: hi - 1), open > 0 {
            hi = open
            while hi > lo && content[hi - 1] == 0x20 { hi -= 1 }
        } else {
            if lo < hi && content[lo] == .exclamation { lo += 1 }
            if lo < hi && content[lo] == .tilde {
                lo += 1
                // Sphinx shows the last component only: "~json.JSONEncoder.encode()" -> "encode()".
                let nameEnd = lastIndex(of: .openParen, in: content, before: hi) ?? hi
                if let dot = lastIndex(of: .dot, in: content, before: nameEnd), dot >= lo { lo = dot + 1 }
            }
        }
        out.append(contentsOf: ByteText.slice(content, lo..<hi))
    }

    package static func lastIndex(of byte: UInt8, in b: Bytes, before end: Int) -> Int? {
        var i = end - 1
        while i >= 0 { if b[i] == byte { return i }; i -= 1 }
        return nil
    }

    /// "*x*" or "**x**" at `i` (opening after a space or bracket, no space inside
    /// the delimiters, as reST requires): the inner bounds and the delimiter width.
    package static func emphasis(_ b: Bytes, at i: Int) -> (Int, Int, Int)? {
        if i > 0 {
            switch b[i - 1] {
            case 0x20, .openParen, .openBracket, .openBrace, .apostrophe, .quote,
                 .slash, .minus:
                break
            default:
                return nil
            }
        }
        let star = UInt8.star
        let width = i + 1 < b.count && b[i + 1] == star ? 2 : 1
        let start = i + width
        guard start < b.count, b[start] != 0x20, b[start] != star else { return nil }
        var j = start + 1
        while j + width <= b.count {
            if b[j] == star && b[j - 1] != 0x20 && (width == 1 || b[j + 1] == star) { return (start, j, width) }
            j += 1
        }
        return nil
    }

    /// "[#]_", "[#name]_", "[1]_": footnote and citation references; the index after "_".
    package static func footnoteReferenceEnd(_ b: Bytes, at i: Int) -> Int? {
        var j = i + 1
        while j < b.count && j - i < 40 {
            let byte = b[j]
            guard ByteText.isAlphanumeric(byte) || byte == .numberSign || byte == .minus
                    || byte == .underscore || byte == .dot else { break }
            j += 1
        }
        guard j + 1 < b.count, j > i + 1, b[j] == .closeBracket, b[j + 1] == .underscore else { return nil }
        return j + 2
    }
}
