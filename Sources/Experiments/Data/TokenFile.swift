import Foundation

/// Token files in the nanoGPT layout: little-endian uint16, one token per two bytes.
package enum TokenFile {
    package struct Error: Swift.Error, CustomStringConvertible {
        package let description: String
    }

    /// Reads and validates a token file: even size, every token below `vocab`
    /// (when given). Violations name the file and the byte offset.
    package static func read(_ path: String, vocab: Int? = nil) throws -> [Int32] {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw Error(description: "\(path): cannot read token file")
        }
        guard d.count % 2 == 0 else {
            throw Error(description: "\(path): odd size \(d.count) bytes; a token file holds little-endian uint16 tokens")
        }
        var out = [Int32](repeating: 0, count: d.count / 2)
        try d.withUnsafeBytes { raw in
            for i in 0..<out.count {
                let t = Int32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                if let vocab, Int(t) >= vocab {
                    throw Error(description: "\(path): token \(t) at byte offset \(2 * i) is outside the vocabulary (size \(vocab))")
                }
                out[i] = t
            }
        }
        return out
    }

    package static func write(_ tokens: [Int32], to path: String) throws {
        var d = Data(capacity: tokens.count * 2)
        for t in tokens {
            precondition(t >= 0 && t <= Int32(UInt16.max))
            withUnsafeBytes(of: UInt16(t).littleEndian) { d.append(contentsOf: $0) }
        }
        try d.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
