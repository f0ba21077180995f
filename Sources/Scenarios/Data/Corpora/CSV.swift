enum CSV {
    /// Rows of comma-separated fields; a field may be double-quoted, with ""
    /// for a quote and line breaks inside. Blank lines are skipped.
    static func rows(_ text: String) -> [[String]] {
        let b = Array(text.utf8)
        var rows: [[String]] = [], row: [String] = [], field: [UInt8] = []
        var i = 0, quoted = false, fieldStarted = false
        func endField() { row.append(String(decoding: field, as: UTF8.self)); field = []; fieldStarted = false }
        func endRow() {
            if fieldStarted || !row.isEmpty { endField(); rows.append(row) }
            row = []
        }
        while i < b.count {
            let c = b[i]
            if quoted {
                if c == .quote {
                    if i + 1 < b.count, b[i + 1] == .quote { field.append(c); i += 1 } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == .quote && field.isEmpty {
                quoted = true
                fieldStarted = true
            } else if c == .comma {
                endField()
                fieldStarted = true
            } else if c == 0x0A {
                endRow()
            } else if c != 0x0D {
                field.append(c)
                fieldStarted = true
            }
            i += 1
        }
        endRow()
        return rows
    }
}
