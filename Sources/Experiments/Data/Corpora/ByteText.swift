/// The cleaners scan UTF-8 bytes through buffer pointers: extraction also runs
/// in debug builds (the tests), where Character-level and generic-collection
/// code is 10-50 times slower. All markup they look for is ASCII.
package enum ByteText {
    package typealias Bytes = UnsafeBufferPointer<UInt8>

    package static func with<R>(_ text: Substring, _ body: (Bytes) throws -> R) rethrows -> R {
        var text = text
        return try text.withUTF8(body)
    }

    package static func with<R>(_ text: String, _ body: (Bytes) throws -> R) rethrows -> R {
        var text = text
        return try text.withUTF8(body)
    }

    package static func string(_ bytes: Bytes) -> String { String(decoding: bytes, as: UTF8.self) }

    package static func slice(_ bytes: Bytes, _ range: Range<Int>) -> Bytes { Bytes(rebasing: bytes[range]) }

    package static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == 0x0B }

    package static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// ASCII letters, and the bytes of non-ASCII characters (letters of other
    /// scripts in practice: ä, é, ñ; the rare non-ASCII punctuation counts too).
    package static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A || byte >= 0x80 }

    package static func isAlphanumeric(_ byte: UInt8) -> Bool { isLetter(byte) || isDigit(byte) }

    package static func isBlank(_ bytes: Bytes) -> Bool {
        var i = 0
        while i < bytes.count { if !isSpace(bytes[i]) { return false }; i += 1 }
        return true
    }

    /// Leading spaces.
    package static func indent(_ bytes: Bytes) -> Int {
        var i = 0
        while i < bytes.count && bytes[i] == 0x20 { i += 1 }
        return i
    }

    /// Without leading and trailing whitespace.
    package static func trimmed(_ bytes: Bytes) -> Bytes {
        var lo = 0, hi = bytes.count
        while lo < hi && isSpace(bytes[lo]) { lo += 1 }
        while hi > lo && isSpace(bytes[hi - 1]) { hi -= 1 }
        return slice(bytes, lo..<hi)
    }

    package static func starts(_ bytes: Bytes, with prefix: StaticString) -> Bool {
        let n = prefix.utf8CodeUnitCount
        guard bytes.count >= n else { return false }
        let p = prefix.utf8Start
        var i = 0
        while i < n { if bytes[i] != p[i] { return false }; i += 1 }
        return true
    }

    package static func ends(_ bytes: Bytes, with suffix: StaticString) -> Bool {
        let n = suffix.utf8CodeUnitCount
        guard bytes.count >= n else { return false }
        let p = suffix.utf8Start, offset = bytes.count - n
        var i = 0
        while i < n { if bytes[offset + i] != p[i] { return false }; i += 1 }
        return true
    }

    /// First index of `byte` at or after `from`, or nil.
    package static func find(_ byte: UInt8, in bytes: Bytes, from: Int, limit: Int = .max) -> Int? {
        var i = from
        let end = min(bytes.count, limit)
        while i < end { if bytes[i] == byte { return i }; i += 1 }
        return nil
    }

    package static func allEqual(_ bytes: Bytes, _ byte: UInt8) -> Bool {
        var i = 0
        while i < bytes.count { if bytes[i] != byte { return false }; i += 1 }
        return true
    }

    /// Appends `bytes` to `out`, runs of whitespace as one space (none at the start of `out`).
    package static func appendCollapsed(_ bytes: Bytes, to out: inout [UInt8]) {
        var i = 0, pendingSpace = false
        while i < bytes.count {
            let byte = bytes[i]
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                pendingSpace = true
            } else {
                if pendingSpace, let last = out.last, last != 0x20 { out.append(0x20) }
                pendingSpace = false
                out.append(byte)
            }
            i += 1
        }
        if pendingSpace, let last = out.last, last != 0x20 { out.append(0x20) }
    }

    /// No-break spaces (U+00A0, U+202F) become plain spaces: the French
    /// translation uses them around « » and before ";", and also, by mistake,
    /// to indent lines and after section numbers, where they would hide blank
    /// lines, headings and indentation from the rules.
    package static func withPlainSpaces(_ text: String) -> String {
        with(text) { b in
            guard find(0xC2, in: b, from: 0) != nil || find(0xE2, in: b, from: 0) != nil else { return text }
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            var i = 0
            while i < b.count {
                if b[i] == 0xC2 && i + 1 < b.count && b[i + 1] == 0xA0 {
                    out.append(0x20); i += 2
                } else if b[i] == 0xE2 && i + 2 < b.count && b[i + 1] == 0x80 && b[i + 2] == 0xAF {
                    out.append(0x20); i += 3
                } else {
                    out.append(b[i]); i += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Runs of whitespace become one space; ends trimmed.
    package static func collapseWhitespace(_ bytes: Bytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        appendCollapsed(bytes, to: &out)
        if out.last == 0x20 { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }
}
