import Foundation
import Tensor

/// A finished run's logs in the formats the field's tools read (issue 17 §3), derived from
/// its JSON lines when the run ends (so a resumed run writes the same bytes):
/// - `metrics.csv`: `metrics.jsonl` as a table, one row per evaluation and client;
/// - `tb/events.out.tfevents.0.comigs`: TensorBoard scalars, step = rounds done and wall
///   time = simulated seconds (TensorBoard's "relative" axis is then simulated time):
///   `test_ppl/client<i>`, `test_ppl/mean`, `test_loss/client<i>`, `train_loss/client<i>`,
///   `bytes_up_total`, `bytes_down_total`, and per layer and client the routing agreement
///   `routing/<accuracy|posterior_correlation|posterior_gap>/layer<l>/client<i>`.
enum RunExports {
    static let csvColumns = ["round", "step", "sim_time_s", "client", "train_loss", "test_loss", "test_ppl", "scored"]
    static let eventFile = "tb/events.out.tfevents.0.comigs"
    static let routingKeys = ["accuracy", "posterior_correlation", "posterior_gap"]

    /// `routing`: the run's `routing.jsonl` lines, which the caller has read for its summary.
    static func write(_ folder: RunFolder, routing: [JSON]) throws {
        let metrics = try lines(folder.file("metrics.jsonl"))
        // Only the totals of each round are kept: a long run's rounds are never all in memory at once.
        var totals: [RoundTotal] = []
        try forEachLine(folder.file("rounds.jsonl")) { r in
            totals.append(RoundTotal(step: Int(r["round"]?.doubleValue ?? 0) + 1, end: r["end_s"]?.doubleValue ?? 0,
                                     up: r["bytes_up"]?.doubleValue ?? 0, down: r["bytes_down"]?.doubleValue ?? 0))
        }
        try folder.write("metrics.csv", csv(metrics))
        try FileManager.default.createDirectory(atPath: folder.file("tb"), withIntermediateDirectories: true)
        try AtomicFile.write(events(metrics: metrics, rounds: totals, routing: routing).data, to: folder.file(eventFile))
    }

    /// One aggregation's step (rounds done), end (simulated seconds) and bytes moved.
    struct RoundTotal { var step: Int, end: Double, up: Double, down: Double }

    static func lines(_ path: String) throws -> [JSON] {
        var out: [JSON] = []
        try forEachLine(path) { out.append($0) }
        return out
    }

    /// Each line of a JSONL file, parsed one at a time (nothing when the file is missing).
    static func forEachLine(_ path: String, _ body: (JSON) throws -> Void) throws {
        guard let d = FileManager.default.contents(atPath: path) else { return }
        for line in d.split(separator: UInt8(ascii: "\n")) { try body(try JSON.parse(Data(line))) }
    }

    static func csv(_ metrics: [JSON]) -> String {
        var out = csvColumns.joined(separator: ",") + "\n"
        for m in metrics {
            out += csvColumns.map { key -> String in
                switch m[key] {
                case .number(let v, let isInteger)?: isInteger ? String(Int(v)) : "\(v)"
                case .string(let s)?: s
                default: ""
                }
            }.joined(separator: ",") + "\n"
        }
        return out
    }

    static func events(metrics: [JSON], rounds: [RoundTotal], routing: [JSON]) -> TensorBoardEvents {
        var tb = TensorBoardEvents()
        func stamp(_ j: JSON) -> (step: Int, wall: Double) { (Int(j["round"]?.doubleValue ?? 0), j["sim_time_s"]?.doubleValue ?? 0) }
        var group: [Double] = [], last: (step: Int, wall: Double)?
        func flushMean() {
            if let last, !group.isEmpty { tb.scalar("test_ppl/mean", group.reduce(0, +) / Double(group.count), step: last.step, wallTime: last.wall) }
            group = []
        }
        for m in metrics {
            let t = stamp(m), client = Int(m["client"]?.doubleValue ?? 0)
            if let l = last, l.step != t.step || l.wall != t.wall { flushMean() }
            last = t
            for key in ["test_ppl", "test_loss", "train_loss"] {
                if let v = m[key]?.doubleValue { tb.scalar("\(key)/client\(client)", v, step: t.step, wallTime: t.wall) }
            }
            if let p = m["test_ppl"]?.doubleValue { group.append(p) }
        }
        flushMean()
        var up = 0.0, down = 0.0
        for r in rounds {
            up += r.up
            down += r.down
            tb.scalar("bytes_up_total", up, step: r.step, wallTime: r.end)
            tb.scalar("bytes_down_total", down, step: r.step, wallTime: r.end)
        }
        for r in routing {
            let t = stamp(r), layer = Int(r["layer"]?.doubleValue ?? 0), client = Int(r["client"]?.doubleValue ?? 0)
            for key in routingKeys {
                if let v = r[key]?.doubleValue { tb.scalar("routing/\(key)/layer\(layer)/client\(client)", v, step: t.step, wallTime: t.wall) }
            }
        }
        return tb
    }
}
