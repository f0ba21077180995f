/// Comma-separated values as RFC 4180 writes them: fields separated by commas, rows by line
/// breaks (LF or CR LF); a field may be double-quoted, with "" for a quote and commas and line
/// breaks inside. Blank lines are skipped; a quote inside an unquoted field is text.
///
/// A quoted field must close and be followed by a comma, a line break or the end of the file.
/// Anything else means a quote is missing or not doubled, and reading on would join the rows
/// that follow into one field (or shift their columns), so it is an error naming the file and
/// the line where the field opens.
package enum CSV {
    /// One row: its fields and the line (from 1) it starts on.
    package struct Row: Equatable {
        package var line: Int
        package var fields: [String]
    }

    /// The rows of `text`, read from `file` (named in errors).
    package static func rows(_ text: String, file: String) throws -> [Row] {
        let b = Array(text.utf8)
        var rows: [Row] = [], fields: [String] = [], field: [UInt8] = []
        // line: the line of b[i]; rowLine: where the current row starts; opened: where the quoted field opens.
        var line = 1, rowLine = 1, opened = 0
        var quoted = false, closed = false, fieldStarted = false
        func endField() { fields.append(String(decoding: field, as: UTF8.self)); field = []; fieldStarted = false; closed = false }
        func endRow() {
            if fieldStarted || !fields.isEmpty { endField(); rows.append(Row(line: rowLine, fields: fields)) }
            fields = []
        }
        var i = 0
        while i < b.count {
            let c = b[i]
            if quoted {
                if c == .quote {
                    if i + 1 < b.count, b[i + 1] == .quote { field.append(c); i += 1 } else { quoted = false; closed = true }
                } else {
                    field.append(c)
                }
            } else if c == .comma {
                endField()
                fieldStarted = true
            } else if c == 0x0A {
                endRow()
                rowLine = line + 1
            } else if c == 0x0D {
                // Dropped: CR LF ends a row like LF.
            } else if closed {
                let after = line == opened ? "" : " (on line \(line))"
                throw Corpora.Error(description: "\(file): line \(opened): the quoted field that opens here has text after its closing quote\(after); "
                                    + "a quote is missing, or one inside the field is not written \"\"")
            } else if c == .quote && field.isEmpty {
                quoted = true
                fieldStarted = true
                opened = line
            } else {
                field.append(c)
                fieldStarted = true
            }
            if c == 0x0A { line += 1 }
            i += 1
        }
        guard !quoted else {
            throw Corpora.Error(description: "\(file): line \(opened): the quoted field that opens here has no closing quote")
        }
        endRow()
        return rows
    }
}
