package enum Bible {
    /// "Ge1:1 In the beginning …" -> (book and chapter "Ge1", verse text); nil when the
    /// line does not start with a reference: book ("Ge", "1Cor"), chapter, ":", verse, space.
    package static func splitReference(_ line: Substring) -> (chapter: Substring, text: Substring)? {
        let bounds: (colon: Int, space: Int)? = ByteText.with(line) { b in
            guard let space = ByteText.find(0x20, in: b, from: 0),
                  let colon = ByteText.find(.colon, in: b, from: 0, limit: space) else { return nil }
            var i = b.count > 0 && ByteText.isDigit(b[0]) ? 1 : 0  // "1Cor"
            let bookStart = i
            while i < colon && ByteText.isLetter(b[i]) { i += 1 }
            let chapterStart = i
            while i < colon && ByteText.isDigit(b[i]) { i += 1 }
            guard chapterStart > bookStart, i == colon, colon > chapterStart else { return nil }
            i = colon + 1
            while i < space && ByteText.isDigit(b[i]) { i += 1 }
            guard i == space, space > colon + 1 else { return nil }
            return (colon, space)
        }
        guard let bounds else { return nil }
        let utf8 = line.utf8
        let colon = utf8.index(utf8.startIndex, offsetBy: bounds.colon), space = utf8.index(utf8.startIndex, offsetBy: bounds.space)
        return (Substring(utf8[..<colon]), Substring(utf8[utf8.index(after: space)...]))
    }
}
