import Foundation
import Simulator

/// What a run's clients did on the simulated clock (seconds), rebuilt from `events.jsonl`
/// and, for who sat a round out, `rounds.jsonl`.
///
/// events.jsonl records when each phase *ends* (download_done, training_done, upload_done),
/// a failure or a drop, but not when a client *starts*. The start is inferred from the
/// scheduler's round drivers (Simulator/SyncRounds.swift, FedBuffRounds.swift):
/// - sync, deadline and overselect rounds start every selected client's download at the
///   round's `round_start`, so that time is exact;
/// - under async a client starts when a training slot frees: at time 0 or at some client's
///   `upload_done`, `client_failure` or `offline`. The latest such moment before the client's first event
///   is taken, which is exact unless another client finished while this one was still
///   downloading (its download bar then starts late) or the server had waited idle for a
///   window to open (a wait events.jsonl does not record; the bar then starts early).
package struct Timeline: Equatable {
    package enum Phase: String { case download, training, upload }

    package enum Mark: String {
        /// client_failure or offline: the client failed, or its availability trace went off,
        /// mid-round, and its update is lost.
        case failure
        /// dropped under a sync policy: still on its way at the deadline or after the first K
        /// arrived (over-selection).
        case late
        /// dropped under async: the update arrived staler than max_staleness and was discarded.
        case stale
    }

    package struct Bar: Equatable {
        package var client: Int, round: Int, phase: Phase, start: Double, end: Double
        /// The run ended before the phase did (async: clients still training at the last version).
        package var cut = false
    }
    package struct Event: Equatable { package var client: Int, round: Int, mark: Mark, time: Double }
    /// A round a client was not selected for (unavailable, or not among the K chosen).
    package struct Absence: Equatable { package var client: Int, round: Int, start: Double, end: Double }

    package var clients: Int
    package var bars: [Bar] = [], marks: [Event] = [], absences: [Absence] = []
    package var aggregations: [Double] = [], deadlines: [Double] = []
    /// The last event's time.
    package var end = 0.0

    /// `async`: the run's policy is async (clients start when a slot frees, rounds overlap).
    package init(events: [EventRecord], rounds: [RoundRecord], async: Bool, clients: Int) {
        self.clients = clients
        var doing: [Int: (phase: Phase, since: Double)] = [:]  // what each client in flight is doing since when
        var lastRound = 0
        var roundStart = 0.0, slotFreed = 0.0
        for e in events {
            let t = e.seconds
            end = max(end, t)
            lastRound = e.round
            guard let c = e.client else {
                switch e.kind {
                case .roundStart: roundStart = t; slotFreed = t
                case .aggregation: aggregations.append(t)
                case .deadline: deadlines.append(t)
                default: break
                }
                continue
            }
            // A client's first event of an attempt: the attempt began with its download (see above).
            let current = doing[c] ?? (.download, async ? slotFreed : roundStart)
            let bar = Bar(client: c, round: e.round, phase: current.phase, start: current.since, end: t)
            switch e.kind {
            case .downloadDone: bars.append(bar); doing[c] = (.training, t)
            case .trainingDone: bars.append(bar); doing[c] = (.upload, t)
            case .uploadDone: bars.append(bar); doing[c] = nil; slotFreed = t
            case .clientFailure, .offline:
                bars.append(bar)
                doing[c] = nil
                slotFreed = t
                marks.append(Event(client: c, round: e.round, mark: .failure, time: t))
            case .dropped where async:
                // Logged right after the client's upload_done: nothing of it is in flight.
                marks.append(Event(client: c, round: e.round, mark: .stale, time: t))
            case .dropped:
                bars.append(bar)
                doing[c] = nil
                marks.append(Event(client: c, round: e.round, mark: .late, time: t))
            default: break
            }
        }
        for (c, d) in doing.sorted(by: { $0.key < $1.key }) {
            bars.append(Bar(client: c, round: lastRound, phase: d.phase, start: d.since, end: end, cut: true))
        }
        // Under async a round's `selected` lists who started during it, not who was left out.
        guard !async else { return }
        for r in rounds {
            for c in 0..<clients where !r.selected.contains(c) { absences.append(Absence(client: c, round: r.round, start: r.start, end: r.end)) }
        }
    }
}

/// Draws a `Timeline`: one row per client (at most `maxRows`, the rest left out and said so),
/// x = simulated seconds; bars coloured by phase, markers for failures and drops, vertical
/// lines at aggregations and deadlines, grey where a client was not selected.
package enum TimelinePicture {
    package static let width = 1080.0, left = 120.0, right = 24.0, top = 96.0, maxRows = 60
    package static let colours: [Timeline.Phase: String] = [.download: "#56B4E9", .training: "#0072B2", .upload: "#009E73"]
    package static let markColours: [Timeline.Mark: String] = [.failure: "#D55E00", .late: "#222222", .stale: "#CC79A7"]
    package static let absent = "#e4e4e4"

    /// The time axis (seconds from 0 to the last event) on the picture's x pixels.
    package static func axis(_ t: Timeline) -> Axis { Axis([0, max(t.end, 1e-6)], log: false, from: left, to: width - right) }

    /// Row height in pixels: 22 for a few clients, down to 10 so that `maxRows` fit in 600.
    package static func rowHeight(rows: Int) -> Double { min(22, max(10, 600 / Double(max(rows, 1)))) }

    /// `names(i)`: client i's name for the row labels and tooltips.
    package static func render(_ t: Timeline, title: String, names: (Int) -> String) -> SVG {
        let rows = min(t.clients, maxRows), rowH = rowHeight(rows: rows), bottom = top + Double(rows) * rowH
        let ax = axis(t)
        var svg = SVG(width: width, height: bottom + 52)
        svg.text(title, 16, 24, size: 15, bold: true)
        svg.text(rows < t.clients ? "showing the first \(rows) of \(t.clients) clients" : "one row per client", 16, 42, size: 11,
                 fill: "#555555")
        legend(&svg, y: 62)
        for r in t.absences where r.client < rows {
            svg.rect(ax.px(r.start), top + Double(r.client) * rowH, ax.px(r.end) - ax.px(r.start), rowH, fill: absent,
                     title: "\(names(r.client)) · round \(r.round): not selected")
        }
        for tick in ax.ticks {
            let x = ax.px(tick)
            svg.line(x, top, x, bottom, stroke: "#f0f0f0")
            svg.line(x, bottom, x, bottom + 5, stroke: "#444444")
            svg.text(Axis.label(tick), x, bottom + 18, size: 11, anchor: .middle)
        }
        for c in 0..<rows {
            let name = names(c)
            svg.text(name.count > 16 ? name.prefix(15) + "…" : name, left - 8, top + (Double(c) + 0.5) * rowH + 4,
                     size: min(11, rowH - 1), anchor: .end)
        }
        for b in t.bars where b.client < rows {
            // At least 1 px wide: a transfer of milliseconds in a run of minutes stays visible.
            let x = ax.px(b.start), w = max(1, ax.px(b.end) - x)
            let h = b.cut ? 0.2 : 0.6  // a thin bar: the run ended before the phase did
            svg.rect(x, top + (Double(b.client) + 0.5 - h / 2) * rowH, w, rowH * h, fill: colours[b.phase]!,
                     title: "\(names(b.client)) · round \(b.round) · \(b.phase.rawValue) \(SVG.num(b.start))–\(SVG.num(b.end)) s"
                         + (b.cut ? " (still going when the run ended)" : ""))
        }
        // Over the bars: a client's rounds often follow each other without a gap.
        for a in t.aggregations { svg.line(ax.px(a), top - 4, ax.px(a), bottom, stroke: "#8c8c8c", width: 0.75) }
        for d in t.deadlines { svg.line(ax.px(d), top - 4, ax.px(d), bottom, stroke: "#D55E00", width: 1, dash: "4 3") }
        for m in t.marks where m.client < rows {
            let what = switch m.mark {
            case .failure: "failed or went offline, update lost"
            case .late: "dropped (late)"
            case .stale: "update discarded (stale)"
            }
            svg.polygon(marker(m.mark, ax.px(m.time), top + (Double(m.client) + 0.5) * rowH, size: min(rowH * 0.8, 14)),
                        fill: markColours[m.mark]!, title: "\(names(m.client)) · round \(m.round) · \(what) at \(SVG.num(m.time)) s")
        }
        svg.line(left, bottom, width - right, bottom, stroke: "#444444")
        svg.text("simulated time (s)", (left + width - right) / 2, bottom + 40, size: 12, anchor: .middle)
        return svg
    }

    /// The key: phases, not selected, markers, aggregation and deadline lines.
    package static func legend(_ svg: inout SVG, y: Double) {
        var x = 16.0
        for p in [Timeline.Phase.download, .training, .upload] {
            svg.rect(x, y, 22, 10, fill: colours[p]!)
            svg.text(p.rawValue, x + 28, y + 9, size: 11)
            x += 100
        }
        svg.rect(x, y - 2, 22, 14, fill: absent)
        svg.text("not selected", x + 28, y + 9, size: 11)
        x += 110
        for (m, label) in [(Timeline.Mark.failure, "failure (update lost)"), (.late, "dropped: late"), (.stale, "dropped: stale")] {
            svg.polygon(marker(m, x + 6, y + 5, size: 11), fill: markColours[m]!)
            svg.text(label, x + 16, y + 9, size: 11)
            x += m == .failure ? 150 : 110
        }
        svg.line(x + 6, y - 3, x + 6, y + 13, stroke: "#8c8c8c")
        svg.text("aggregation", x + 14, y + 9, size: 11)
        svg.line(x + 106, y - 3, x + 106, y + 13, stroke: "#D55E00", dash: "4 3")
        svg.text("deadline", x + 114, y + 9, size: 11)
    }

    /// A marker centred on (x, y), `size` across: a ✕ for a failure, ▼ for a late drop,
    /// ◆ for a stale update.
    package static func marker(_ m: Timeline.Mark, _ x: Double, _ y: Double, size: Double) -> [(x: Double, y: Double)] {
        let r = size / 2
        switch m {
        case .late: return [(x - r, y - r), (x + r, y - r), (x, y + r)]
        case .stale: return [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
        case .failure:
            // A plus sign of arms r long and 2a thick, turned 45°.
            let a = r * 0.3, s = 2.0.squareRoot()
            let plus: [(Double, Double)] = [(a, r), (a, a), (r, a), (r, -a), (a, -a), (a, -r), (-a, -r), (-a, -a), (-r, -a), (-r, a),
                                            (-a, a), (-a, r)]
            return plus.map { (x + ($0.0 - $0.1) / s, y + ($0.0 + $0.1) / s) }
        }
    }
}
