import Foundation
import Tensor

/// A finished run's logs in the formats the field's tools read, derived from
/// its records when the run ends (a resumed run's include those written before its checkpoint,
/// so it writes the same bytes):
/// - `metrics.csv`: `metrics.jsonl` as a table, one row per evaluation and scored client;
/// - `tb/events.out.tfevents.0.comigs`: TensorBoard scalars, step = rounds done and wall
///   time = simulated seconds (TensorBoard's "relative" axis is then simulated time):
///   `test_ppl/client<i>`, `test_ppl/mean` (over the clients each evaluation scored),
///   `test_loss/client<i>`, `train_loss/client<i>`, `bytes_up_total`, `bytes_down_total`, and per layer and client the routing agreement
///   `routing/<accuracy|posterior_correlation|posterior_gap>/layer<l>/client<i>`.
package enum RunExports {
    package static let eventFile = "tb/events.out.tfevents.0.comigs"

    /// The exports of a finished run's records (`RunRecorder`'s), into its folder.
    package static func write(_ folder: RunFolder, _ recorder: RunRecorder) throws {
        try folder.write("metrics.csv", csv(recorder.metrics))
        try FileManager.default.createDirectory(atPath: folder.file("tb"), withIntermediateDirectories: true)
        try AtomicFile.write(events(metrics: recorder.metrics, rounds: recorder.rounds, routing: recorder.routing).data, to: folder.file(eventFile))
    }

    /// A header of the record's members, then one row per record: integers as integers, other
    /// numbers as JSON writes them, strings bare, null empty.
    package static func csv(_ metrics: [MetricsRecord]) throws -> String {
        var out = MetricsRecord.CodingKeys.allCases.map(\.stringValue).joined(separator: ",") + "\n"
        for m in metrics {
            guard case .object(let members) = try JSONValueEncoder().encode(m) else { continue }
            out += members.map { _, v in
                switch v {
                case .number(let x, let isInteger): isInteger ? String(Int(x)) : "\(x)"
                case .string(let s): s
                default: ""
                }
            }.joined(separator: ",") + "\n"
        }
        return out
    }

    package static func events(metrics: [MetricsRecord], rounds: [RoundTotal], routing: [RoutingRecord]) -> TensorBoardEvents {
        var tb = TensorBoardEvents()
        var group: [Double] = [], last: (step: Int, wall: Double)?
        func flushMean() {
            if let last, !group.isEmpty { tb.scalar("test_ppl/mean", group.reduce(0, +) / Double(group.count), step: last.step, wallTime: last.wall) }
            group = []
        }
        for m in metrics {
            let t = (step: m.round, wall: m.simTime)
            if let l = last, l.step != t.step || l.wall != t.wall { flushMean() }
            last = t
            for (key, value) in m.scalars {
                if let v = value { tb.scalar("\(key.stringValue)/client\(m.client)", v, step: t.step, wallTime: t.wall) }
            }
            group.append(m.testPPL)
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
            for figure in RunSummary.RoutingLayer.agreement {
                if let v = r[keyPath: figure.line] {
                    tb.scalar("routing/\(figure.key.stringValue)/layer\(r.layer)/client\(r.client)", v, step: r.round, wallTime: r.simTime)
                }
            }
        }
        return tb
    }
}
