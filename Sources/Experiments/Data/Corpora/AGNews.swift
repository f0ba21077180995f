package enum AGNews {
    package typealias Bytes = ByteText.Bytes

    package static let classes = ["World", "Sports", "Business", "Sci/Tech"]

    /// "title. description", cleaned.
    package static func document(title: String, description: String) -> String {
        let t = clean(title), d = clean(description)
        if d.isEmpty { return t }
        if t.isEmpty { return d }
        switch t.utf8.last {
        case .dot, .exclamation, .question: return "\(t) \(d)"
        default: return "\(t). \(d)"
        }
    }

    /// Entities decoded, HTML tags dropped, backslashes (former line breaks) made spaces, whitespace collapsed.
    package static func clean(_ text: String) -> String {
        var bytes = ByteText.with(text, decodeEntities)
        bytes = bytes.withUnsafeBufferPointer(dropTags)
        for i in bytes.indices where bytes[i] == .backslash { bytes[i] = 0x20 }
        return bytes.withUnsafeBufferPointer(ByteText.collapseWhitespace)
    }

    /// Named entities seen in the corpus (the rest are numeric).
    package static let named: [String: String] = [
        "quot": "\"", "amp": "&", "lt": "<", "gt": ">", "apos": "'", "nbsp": " ", "hellip": "…",
        "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”",
    ]

    /// Windows-1252 meanings of the C1 code points the source's HTML used ("#151;" is an em dash).
    package static let windows1252: [UInt32: String] = [
        128: "€", 130: "‚", 132: "„", 133: "…", 145: "‘", 146: "’", 147: "“", 148: "”", 150: "–", 151: "—", 153: "™",
    ]

    /// Decodes "&#39;", "&quot;", … and their debris: the source lost the "&"
    /// (now a space, or nothing): " #39;s" -> "'s", "  quot;x" -> " \"x",
    /// " amp; " -> " & ". A bare name counts only after a non-alphanumeric
    /// character, so words ending in "amp;" stay.
    package static func decodeEntities(_ b: Bytes) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            let ampersand = b[i] == .ampersand
            let start = ampersand ? i + 1 : i
            let candidate = ampersand || ((i == 0 || !ByteText.isAlphanumeric(b[i - 1])) && (b[i] == .numberSign || (b[i] >= 0x61 && b[i] <= 0x7A)))
            if candidate, let (value, end) = entity(b, at: start) {
                if !ampersand && out.last == 0x20 { out.removeLast() }  // the space that replaced "&"
                out.append(contentsOf: value.utf8)
                i = end
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
    }

    /// "#39;" or "quot;" at `i` -> (text, index after ";").
    package static func entity(_ b: Bytes, at i: Int) -> (String, Int)? {
        guard let semicolon = ByteText.find(.semicolon, in: b, from: i, limit: i + 9), semicolon > i + 1 else { return nil }
        let name = ByteText.slice(b, i..<semicolon)
        if name[0] == .numberSign {
            let digits = ByteText.slice(name, 1..<name.count)
            guard digits.count <= 5, digits.allSatisfy(ByteText.isDigit), let code = UInt32(ByteText.string(digits)) else { return nil }
            if let mapped = windows1252[code] { return (mapped, semicolon + 1) }
            guard code >= 32, !(128..<160).contains(code), let scalar = Unicode.Scalar(code) else { return ("", semicolon + 1) }
            return (String(Character(scalar)), semicolon + 1)
        }
        guard let value = named[ByteText.string(name)] else { return nil }
        return (value, semicolon + 1)
    }

    /// Drops HTML tags ("<b>", "<A HREF=…>", "</A>") and ticker tags ("<TXN.N>") left
    /// after decoding; a space left before punctuation goes with them.
    package static func dropTags(_ b: Bytes) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == .less, i + 1 < b.count, ByteText.isLetter(b[i + 1]) || b[i + 1] == .slash,
               let close = tagEnd(b, from: i + 1) {
                i = close + 1
                if out.last == 0x20, i == b.count || [0x20, .comma, .dot, .semicolon, .colon, .closeParen].contains(b[i]) {
                    out.removeLast()
                }
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
    }

    /// The ">" closing a tag opened before `from` (within 500 bytes, no "<" in between).
    package static func tagEnd(_ b: Bytes, from: Int) -> Int? {
        var i = from
        while i < b.count && i < from + 500 {
            if b[i] == .greater { return i }
            if b[i] == .less { return nil }
            i += 1
        }
        return nil
    }
}
