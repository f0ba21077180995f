import Foundation
import Simulator
import Tensor

/// A run's outputs as they happen: it owns the JSON-lines writers (`events.jsonl`,
/// `metrics.jsonl`, `routing.jsonl`, `rounds.jsonl`) and the totals a summary and a checkpoint
/// need (`state`), and keeps the records the end of the run derives its summary and exports from,
/// so nothing is read back from disk but what a resumed run had written before its checkpoint.
/// Without a folder (an in-memory run, `Experiment`) it keeps the records and writes nothing.
package final class RunRecorder {
    package static let outputs = ["events.jsonl", "metrics.jsonl", "routing.jsonl", "rounds.jsonl"]

    /// The run's totals so far (bytes, the last evaluation, when the target was reached, the base's
    /// perplexities); the scheduler's counters and the clients are filled in at a checkpoint.
    package private(set) var state: RunState
    package private(set) var metrics: [MetricsRecord] = []
    package private(set) var routing: [RoutingRecord] = []
    /// Each aggregation's step, end and bytes (a round's client lists are not kept: they can be long).
    package private(set) var rounds: [RoundTotal] = []
    private let writers: Writers?

    private struct Writers {
        let events: JSONLWriter, metrics: JSONLWriter, routing: JSONLWriter, rounds: JSONLWriter
        var all: [JSONLWriter] { [events, metrics, routing, rounds] }
    }

    /// New outputs in `folder`, or (resuming from `state`) its files cut to their length at the
    /// checkpoint, their records read back. Errors: a file that cannot be created, cut or read.
    package init(_ folder: RunFolder?, resuming: RunState? = nil) throws {
        state = resuming ?? RunState()
        guard let folder else {
            writers = nil
            return
        }
        let kept = Dictionary(uniqueKeysWithValues: (resuming?.files ?? []).map { ($0.name, $0.bytes) })
        let w = try Self.outputs.map { try JSONLWriter(folder.file($0), keep: kept[$0] ?? 0) }
        writers = Writers(events: w[0], metrics: w[1], routing: w[2], rounds: w[3])
        guard resuming != nil else { return }
        metrics = try JSONLines.read(folder.file("metrics.jsonl"))
        routing = try JSONLines.read(folder.file("routing.jsonl"))
        try JSONLines.forEach(folder.file("rounds.jsonl")) { (r: RoundTotal) in rounds.append(r) }
    }

    package func event(_ e: TimelineEvent) { writers?.events.append(e.jsonLine) }

    /// One evaluation: the scored clients' metrics and routing records, and what they say of the
    /// run (`results` per client, nil for one not scored: the last scores; when their mean first
    /// reached `target`, at `time`).
    package func evaluated(_ records: [(metrics: MetricsRecord, routing: [RoutingRecord])], results: [Evaluation.Result?],
                   round: Int, at time: SimTime, target: Double?) throws {
        for (m, r) in records {
            try writers?.metrics.append(record: m)
            metrics.append(m)
            for line in r { try writers?.routing.append(record: line) }
            routing += r
        }
        event(TimelineEvent(time: time, kind: .evaluation, round: round, client: -1))
        if round == 0 && state.basePPL.isEmpty { state.basePPL = results.map { $0?.ppl } }
        state.lastResults = results
        if state.reached == nil, let target, let mean = state.meanPPL, mean <= target { state.reached = time }
    }

    /// One aggregation: its `rounds.jsonl` line and bytes; then every file is flushed (whole lines).
    package func roundEnded(_ o: RoundOutcome) throws {
        let record = RoundRecord(o)
        try writers?.rounds.append(record: record)
        rounds.append(RoundTotal(record))
        state.round = o.round + 1
        state.bytesUp += o.traffic.up
        state.bytesDown += o.traffic.down
        for w in writers?.all ?? [] { try w.flush() }
    }

    /// The state a checkpoint stores now: the totals, the scheduler's counters and the clients'.
    package func checkpoint(now: SimTime, events: Int, stepsDone: [Int], clients: [ClientSnapshot]) -> RunState {
        var s = state
        (s.now, s.events, s.stepsDone, s.clients) = (now, events, stepsDone, clients)
        s.files = zip(Self.outputs, writers?.all ?? []).map { RunState.OutputFile(name: $0, bytes: $1.written) }
        return s
    }

    /// Flushes and closes the files (also after a failure: what was written is kept).
    package func close() throws {
        for w in writers?.all ?? [] { try w.close() }
    }
}

/// One aggregation's step (rounds done), end (simulated seconds) and bytes moved: the members of
/// its `RoundRecord` the TensorBoard export plots.
package struct RoundTotal: Decodable {
    package var step: Int, end: Double, up: Double, down: Double

    package init(_ r: RoundRecord) {
        (step, end, up, down) = (r.round + 1, r.end, Double(r.bytesUp), Double(r.bytesDown))
    }

    /// Decoded alone from a `rounds.jsonl` line, without its client lists.
    package init(from decoder: any Decoder) throws {
        let r = try decoder.container(keyedBy: RoundRecord.CodingKeys.self)
        step = try r.decode(Int.self, forKey: .round) + 1
        end = try r.decode(Double.self, forKey: .end)
        up = Double(try r.decode(Int.self, forKey: .bytesUp))
        down = Double(try r.decode(Int.self, forKey: .bytesDown))
    }
}
