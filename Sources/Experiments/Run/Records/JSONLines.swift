import Foundation
import Tensor

/// A run's output records as text and back: one compact JSON object per line in a `.jsonl` file,
/// an indented one in `summary.json` — always through `JSONValueEncoder`, so members keep the
/// record's order and numbers `JSON`'s formatting, and every output file compares byte for byte.
package enum JSONLines {
    /// The record as one line (no newline).
    package static func line(_ record: some Encodable) throws -> String { try JSONValueEncoder().encode(record).text() }

    /// Every record of a JSONL file; a missing file has none.
    /// Errors: a line that is not JSON, or not such a record, naming the file and line.
    package static func read<T: Decodable>(_ file: String) throws -> [T] {
        var out: [T] = []
        try forEach(file) { out.append($0) }
        return out
    }

    /// Each record of a JSONL file, decoded one at a time (a long run's rounds are never all in
    /// memory at once); blank lines are skipped, a missing file has none. Errors as `read`.
    package static func forEach<T: Decodable>(_ file: String, _ body: (T) throws -> Void) throws {
        guard let d = FileManager.default.contents(atPath: file) else { return }
        for (i, line) in d.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            let record: T
            do { record = try JSONValueDecoder().decode(T.self, from: JSON.parse(Data(line))) } catch {
                throw ScenarioError(key: "\(file):\(i + 1)", reason: reason(error))
            }
            try body(record)
        }
    }

    /// The one record of a JSON file (`summary.json`). Errors: no such file, not JSON, not such a record, naming the file.
    package static func object<T: Decodable>(_ file: String) throws -> T {
        guard let d = FileManager.default.contents(atPath: file) else { throw ScenarioError(key: file, reason: "missing") }
        do { return try JSONValueDecoder().decode(T.self, from: JSON.parse(d)) } catch { throw ScenarioError(key: file, reason: reason(error)) }
    }

    /// A decoding error as "key: what is wrong" rather than its debug dump.
    package static func reason(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, let c)?: path(c.codingPath) + "no \"\(key.stringValue)\""
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .dataCorrupted(let c)?: path(c.codingPath) + c.debugDescription
        default: "\(error)"
        }
    }

    /// "clients[2].test_ppl: ", or nothing at the top level.
    private static func path(_ keys: [any CodingKey]) -> String {
        let dotted = keys.reduce("") { s, k in k.intValue.map { s + "[\($0)]" } ?? (s.isEmpty ? k.stringValue : s + "." + k.stringValue) }
        return dotted.isEmpty ? "" : dotted + ": "
    }
}

extension JSONLWriter {
    /// Appends the record as one line.
    package func append(record: some Encodable) throws { append(try JSONLines.line(record)) }
}
