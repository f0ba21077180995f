import Foundation
import Tensor

/// A run folder's `provenance.json`: what produced the run, once per session that worked on it
/// (the first `comigs run`, then each `--resume`) — comigs version, commit and dirty flag, compiler,
/// kernel path, CPU, OS, workers, start time — and each session's wall time and peak memory once
/// it finished the run. It is the one file of a run folder that differs between identical runs (times, machines),
/// so every other file can be compared byte for byte; written atomically at the start of each
/// session and again when the session finishes the run, just before `summary.json`.
package struct Provenance {
    package static let file = "provenance.json"

    package let folder: RunFolder
    /// The sessions before this one, as recorded.
    package let earlier: [JSON]
    /// This session, without its wall time.
    package let session: [(String, JSON)]

    /// Appends this process's session to the folder's file (creating it; a folder with outputs
    /// but no file first gets a session of unknown comigs and wall time).
    /// Errors: an existing file that is not `{"sessions": [...]}` (`ScenarioError` naming it).
    /// `fromRound`: 0 for a session that starts the run, r for one resuming from the checkpoint after round r.
    package static func begin(_ folder: RunFolder, fromRound: Int, workers: Int) throws -> Provenance {
        var earlier: [JSON] = []
        if let data = FileManager.default.contents(atPath: folder.file(file)) {
            guard let sessions = (try? JSON.parse(data))?["sessions"]?.arrayValue else {
                throw ScenarioError(key: folder.file(file), reason: "not a provenance file (expected {\"sessions\": [...]})")
            }
            earlier = sessions
        } else if RunRecorder.outputs.contains(where: { FileManager.default.fileExists(atPath: folder.file($0)) }) {
            // Outputs but no file: a session of a comigs that did not record itself (its time unknown).
            earlier = [.object([("comigs_version", .null), ("wall_time_s", .null)])]
        }
        let p = Provenance(folder: folder, earlier: earlier, session: current(fromRound: fromRound, workers: workers))
        try p.write(p.session + [("wall_time_s", .null)])
        return p
    }

    /// Records this session's wall time in seconds (rounded to milliseconds) and the process's peak
    /// resident memory in MiB (the whole process: a command that ran more than this run counts it too).
    package func finish(wall: Double) throws {
        try write(session + [("wall_time_s", .double((wall * 1000).rounded() / 1000)), ("peak_memory_mib", .double(Host.peakMemoryMiB))])
    }

    private func write(_ last: [(String, JSON)]) throws {
        try folder.write(Self.file, JSON.object([("sessions", .array(earlier + [.object(last)]))]).text(indent: "  ") + "\n")
    }

    /// This process: the binary (`Build`), the kernel path it multiplies with, the machine (`Host`).
    package static func current(fromRound: Int, workers: Int) -> [(String, JSON)] {
        func text(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }
        return [("started_utc", .string(ISO8601DateFormatter().string(from: Date()))), ("from_round", .int(fromRound)),
                ("comigs_version", .string(Build.version)), ("commit", text(Build.commit)), ("tree_dirty", Build.treeDirty.map { .bool($0) } ?? .null),
                ("compiler", text(Build.compiler)), ("kernel_path", .string(MatMul.activePath.name)), ("cpu", text(Host.cpu)),
                ("cores", .int(ProcessInfo.processInfo.activeProcessorCount)), ("os", text(Host.os)), ("uname", .string(Host.uname)),
                ("workers", .int(workers))]
    }

    /// A run folder's wall time in seconds: the sum over its sessions; nil when the folder has no
    /// readable provenance file or a session recorded no wall time (killed, or stopped by an error).
    package static func wallTime(_ run: String) -> Double? {
        guard let data = FileManager.default.contents(atPath: run + "/" + file),
              let sessions = (try? JSON.parse(data))?["sessions"]?.arrayValue, !sessions.isEmpty else { return nil }
        let walls = sessions.compactMap { $0["wall_time_s"]?.doubleValue }
        return walls.count == sessions.count ? (walls.reduce(0, +) * 1000).rounded() / 1000 : nil
    }
}
