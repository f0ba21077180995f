import Foundation
import Simulator
import Tensor

/// A run's checkpoint after a completed round: its `RunState` in `state.json` and the
/// federation's tensors in `state.safetensors`, written into `checkpoints/round-<r>.tmp/` and
/// renamed into place, so a `checkpoints/round-<r>/` folder is always complete.
package enum RunCheckpoint {
    package static func write(_ state: RunState, _ fed: Federation?, in folder: RunFolder) throws {
        let root = folder.file("checkpoints"), dir = "\(root)/round-\(state.round)", tmp = dir + ".tmp"
        let fm = FileManager.default
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        try Safetensors.write(fed?.tensors() ?? [], metadata: ["format": "comigs-run-checkpoint"], to: tmp + "/state.safetensors")
        try AtomicFile.write(Data((JSONValueEncoder().encode(state).text(indent: " ") + "\n").utf8), to: tmp + "/state.json")
        guard rename(tmp, dir) == 0 else { throw ScenarioError(key: dir, reason: "cannot rename the checkpoint into place: \(String(cString: strerror(errno)))") }
        // Older checkpoints are no longer needed once this one is complete.
        for old in (try? fm.contentsOfDirectory(atPath: root)) ?? [] where old != "round-\(state.round)" { try? fm.removeItem(atPath: "\(root)/\(old)") }
    }

    /// The last complete checkpoint of a run folder, with its tensors; nil when there is none.
    /// Errors: a malformed `state.json` (naming it and the member), unreadable tensors.
    package static func latest(in folder: RunFolder) throws -> (RunState, Safetensors)? {
        let root = folder.file("checkpoints")
        let rounds = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap { name -> Int? in
            name.hasPrefix("round-") ? Int(name.dropFirst(6)) : nil  // "round-3.tmp" is not complete
        }
        guard let r = rounds.max() else { return nil }
        let dir = "\(root)/round-\(r)"
        let state: RunState = try JSONLines.object(dir + "/state.json")
        return (state, try Safetensors(path: dir + "/state.safetensors"))
    }
}

extension RunState {
    /// Puts the federation back as it was at the checkpoint. The tensors must be exactly the
    /// run's (each client's adapters and moments) plus `server.0`, `server.1`, … .
    /// Errors: a checkpoint of another federation (client count, ranks, tensors), naming the file.
    package func restore(_ fed: Federation, from st: Safetensors) throws {
        guard clients.count == fed.clientCount else {
            throw ScenarioError(key: st.path, reason: "checkpoint holds \(clients.count) clients, the run has \(fed.clientCount)")
        }
        for (i, c) in clients.enumerated() {
            let locations = mlpLoRAPairs(fed.parameters(i)).count, full = fed.adapters(i).rank
            guard c.ranks.count == locations, c.ranks.allSatisfy({ (1...max(1, full)).contains($0) }) else {
                throw ScenarioError(key: st.path, reason: "client \(i): ranks \(c.ranks) do not fit its \(locations) MLP LoRA locations of rank \(full)")
            }
        }
        let serverIndex = { (name: String) -> Int? in name.hasPrefix("server.") ? Int(name.dropFirst(7)) : nil }
        try st.requireExactly(fed.tensors().map(\.0).filter { serverIndex($0) == nil }, ignorable: { serverIndex($0) != nil },
                              described: "this run's federation")
        let server = st.entries.filter { serverIndex($0.name) != nil }.sorted { serverIndex($0.name)! < serverIndex($1.name)! }
        guard server.map({ serverIndex($0.name)! }) == Array(server.indices) else {
            throw ScenarioError(key: st.path, reason: "server tensors are not numbered 0…\(server.count - 1)")
        }
        let serverTensors = try server.map { e -> Tensor in
            let t = Tensor(e.shape)
            try st.read(e.name, into: t)
            return t
        }
        try fed.restore(clients, server: serverTensors) { name, t in try st.read(name, into: t) }
    }
}
