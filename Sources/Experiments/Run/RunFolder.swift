import Foundation
import Tensor

/// A run's output folder (docs/design.md §7): a new folder per run, never reused
/// silently; JSONL files receive whole lines only; `summary.json` is written
/// last, atomically, so its presence means the run is complete.
package struct RunFolder {
    package let path: String

    package init(path: String) { self.path = path }

    /// `<parent>/<base>`, or `<base>-2`, `-3`, … when taken.
    package static func create(in parent: String, named base: String) throws -> RunFolder {
        do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
            throw ScenarioError(key: parent, reason: "cannot create the output folder (is a part of the path a file?)")
        }
        for k in 1... {
            let path = parent + "/" + (k == 1 ? base : "\(base)-\(k)")
            // mkdir fails when the folder exists, so two runs never share one.
            if mkdir(path, 0o755) == 0 { return RunFolder(path: path) }
            guard errno == EEXIST else { throw ScenarioError(key: path, reason: "cannot create the run folder: \(String(cString: strerror(errno)))") }
        }
        fatalError("unreachable")
    }

    package func file(_ name: String) -> String { path + "/" + name }

    package func write(_ name: String, _ text: String) throws { try AtomicFile.write(Data(text.utf8), to: file(name)) }
}

/// Appends whole lines to a JSONL file: lines are buffered and written with
/// one `write` per flush, each ending in a newline.
package final class JSONLWriter {
    package let path: String
    private let handle: FileHandle
    private var buffer = [UInt8]()

    /// A new file, or (resuming) the existing one cut to its first `keep` bytes:
    /// whatever was written after the checkpoint, torn last line included, goes.
    package init(_ path: String, keep: UInt64 = 0) throws {
        if keep == 0 { guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ScenarioError(key: path, reason: "cannot create the file") } }
        guard let h = FileHandle(forWritingAtPath: path) else { throw ScenarioError(key: path, reason: "cannot open the file") }
        do {
            try h.truncate(atOffset: keep)
            try h.seekToEnd()
        } catch { throw ScenarioError(key: path, reason: "cannot cut the file to \(keep) bytes: \(error)") }
        self.path = path
        handle = h
        written = keep
    }

    /// Bytes in the file after the last flush.
    package private(set) var written: UInt64 = 0

    package func append(_ line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(10)
        // A failed flush keeps its lines; the error surfaces at the next flush (every round end).
        if buffer.count > 1 << 20 { try? flush() }
    }

    package func flush() throws {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch { throw ScenarioError(key: path, reason: "write failed: \(error.localizedDescription)") }
        written += UInt64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    package func close() throws {
        try flush()
        try handle.close()
    }
}

extension JSON {
    package static func optional(_ v: Double?) -> JSON { v.map { .double($0) } ?? .null }
}
