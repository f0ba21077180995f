import Foundation
import Simulator
import Tensor

/// A run's state after a completed round (issue 8): the scheduler's clock and
/// counters, the run's totals, how long each JSONL file was, and the
/// federation (tensors in `state.safetensors`, the rest in `state.json`).
/// Written into `checkpoints/round-<r>.tmp/` and renamed into place, so a
/// `checkpoints/round-<r>/` folder is always complete.
struct RunCheckpoint {
    var round: Int
    var now: SimTime
    var events: Int
    /// Local steps each client has trained (where its router bursts fall).
    var stepsDone: [Int]
    var bytesUp: Int
    var bytesDown: Int
    var reached: SimTime?
    /// Round-0 test perplexity per client (the base's, for `BaseFit`).
    var basePPL: [Double]
    var lastResults: [Evaluation.Result]
    /// Bytes of each output file at the checkpoint (whole lines).
    var files: [(String, UInt64)]
    var clients: [ClientSnapshot]

    static let outputs = ["events.jsonl", "metrics.jsonl", "routing.jsonl", "rounds.jsonl"]

    func write(_ fed: Federation?, in folder: RunFolder) throws {
        let root = folder.file("checkpoints"), dir = "\(root)/round-\(round)", tmp = dir + ".tmp"
        let fm = FileManager.default
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        try Safetensors.write(fed?.tensors() ?? [], metadata: ["format": "comigs-run-checkpoint"], to: tmp + "/state.safetensors")
        try AtomicFile.write(Data((json.text(indent: " ") + "\n").utf8), to: tmp + "/state.json")
        guard rename(tmp, dir) == 0 else { throw ScenarioError(key: dir, reason: "cannot rename the checkpoint into place: \(String(cString: strerror(errno)))") }
        // Older checkpoints are no longer needed once this one is complete.
        for old in (try? fm.contentsOfDirectory(atPath: root)) ?? [] where old != "round-\(round)" { try? fm.removeItem(atPath: "\(root)/\(old)") }
    }

    var json: JSON {
        func opt<T>(_ v: T?, _ f: (T) -> JSON) -> JSON { v.map(f) ?? .null }
        return .object([
            ("round", .int(round)), ("now_us", .int(Int(now))), ("events", .int(events)),
            ("steps_done", .array(stepsDone.map { .int($0) })), ("bytes_up", .int(bytesUp)),
            ("bytes_down", .int(bytesDown)), ("reached_us", opt(reached) { .int(Int($0)) }),
            ("base_ppl", .array(basePPL.map { .double($0) })),
            ("last_results", .array(lastResults.map { .object([("loss", .double($0.loss)), ("ppl", .double($0.ppl)), ("tokens", .int($0.tokens))]) })),
            ("files", .object(files.map { ($0.0, .int(Int($0.1))) })),
            ("clients", .array(clients.map { c in
                .object([("rng", .string(String(c.rng))), ("steps", .int(c.steps)), ("optimizer_steps", .int(c.optimizerSteps)),
                         ("router_optimizer_steps", opt(c.routerOptimizerSteps) { .int($0) }),
                         ("batches", .object(ClientData.Split.allCases.map { ($0.rawValue, .int(c.batchesDrawn[$0] ?? 0)) })),
                         ("ranks", .array(c.ranks.map { .int($0) })), ("last_loss", .optional(c.lastLoss)), ("failure", opt(c.failure) { .string($0) })])
            })),
        ])
    }

    /// The last complete checkpoint of a run folder, with its tensors; nil when there is none.
    static func latest(in folder: RunFolder) throws -> (RunCheckpoint, Safetensors)? {
        let root = folder.file("checkpoints")
        let rounds = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap { name -> Int? in
            name.hasPrefix("round-") ? Int(name.dropFirst(6)) : nil  // "round-3.tmp" is not complete
        }
        guard let r = rounds.max() else { return nil }
        let dir = "\(root)/round-\(r)"
        guard let data = FileManager.default.contents(atPath: dir + "/state.json"), let j = try? JSON.parse(data) else {
            throw ScenarioError(key: dir + "/state.json", reason: "missing or malformed checkpoint state")
        }
        let st = try Safetensors(path: dir + "/state.safetensors")
        func int(_ v: JSON?) throws -> Int {
            // Integers only (|v| < 9e15): a tampered 1e300 must not trap in Int(_:).
            guard case .number(let d, true)? = v else { throw ScenarioError(key: dir + "/state.json", reason: "malformed checkpoint state") }
            return Int(d)
        }
        func optionalInt(_ v: JSON?) throws -> Int? { v == nil || v == .null ? nil : try int(v) }
        func ints(_ v: JSON?) throws -> [Int] {
            guard case .array(let items)? = v else { throw ScenarioError(key: dir + "/state.json", reason: "malformed checkpoint state") }
            return try items.map { try int($0) }
        }
        var clients: [ClientSnapshot] = []
        if case .array(let cs)? = j["clients"] {
            for c in cs {
                var batches: [ClientData.Split: Int] = [:]
                for split in ClientData.Split.allCases { batches[split] = try int(c["batches"]?[split.rawValue]) }
                guard let rng = c["rng"]?.stringValue.flatMap({ UInt64($0) }) else { throw ScenarioError(key: dir + "/state.json", reason: "bad rng state") }
                clients.append(ClientSnapshot(rng: rng, steps: try int(c["steps"]), optimizerSteps: try int(c["optimizer_steps"]),
                                              routerOptimizerSteps: try optionalInt(c["router_optimizer_steps"]),
                                              batchesDrawn: batches, ranks: try ints(c["ranks"]), lastLoss: c["last_loss"]?.doubleValue,
                                              failure: c["failure"]?.stringValue))
            }
        }
        var results: [Evaluation.Result] = []
        if case .array(let rs)? = j["last_results"] {
            for x in rs { results.append(Evaluation.Result(loss: x["loss"]?.doubleValue ?? .nan, ppl: x["ppl"]?.doubleValue ?? .nan, tokens: try int(x["tokens"]))) }
        }
        guard case .array(let sd)? = j["steps_done"] else { throw ScenarioError(key: dir + "/state.json", reason: "no steps_done") }
        guard let basePPL = j["base_ppl"]?.arrayValue?.compactMap(\.doubleValue) else {
            throw ScenarioError(key: dir + "/state.json", reason: "no base_ppl (a checkpoint of an earlier comigs: run the scenario again)")
        }
        let stepsDone = try sd.map { try int($0) }
        var files: [(String, UInt64)] = []
        if case .object(let fs)? = j["files"] { files = try fs.map { ($0.0, UInt64(try int($0.1))) } }
        let cp = RunCheckpoint(round: try int(j["round"]), now: SimTime(try int(j["now_us"])), events: try int(j["events"]), stepsDone: stepsDone,
                               bytesUp: try int(j["bytes_up"]), bytesDown: try int(j["bytes_down"]),
                               reached: try optionalInt(j["reached_us"]).map { SimTime($0) }, basePPL: basePPL, lastResults: results,
                               files: files, clients: clients)
        return (cp, st)
    }

    /// Puts the federation back as it was at the checkpoint. The tensors must be exactly the
    /// run's (each client's adapters and moments) plus `server.0`, `server.1`, … .
    func restore(_ fed: Federation, from st: Safetensors) throws {
        guard clients.count == fed.clientCount else {
            throw ScenarioError(key: st.path, reason: "checkpoint holds \(clients.count) clients, the run has \(fed.clientCount)")
        }
        for (i, c) in clients.enumerated() {
            let locations = mlpLoRAPairs(fed.model(i).parameters).count, full = fed.model(i).adapters.rank
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
