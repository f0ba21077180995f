import Experiments
import Foundation

enum PlotCommand {
    static let usage = """
        usage: comigs plot RUN_DIR... [--out DIR]

        Pictures of one or more run folders (written by `comigs run`), saved in the first
        RUN_DIR or in --out:
          ppl_vs_time.svg       mean test perplexity over clients against simulated time
          ppl_vs_round.svg      the same against the round
          generalist_share.svg  per client and layer, the share of tokens whose top-1 expert
                                is a generalist at the last evaluation (CoMiGS runs)
          expert_share.svg      the same share for each expert, one panel per expert (runs of
                                the other mixtures: pFedMoE, FedAvg-MoE, Local-MoE, whose
                                experts are numbered, not generalists and specialists)
        A run whose method has no router has no share picture.
        One line per run, labelled by method and seed (by folder name when those repeat); the
        perplexity axis is logarithmic when it spans more than 10×. Prints each path written.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--out"])
        guard let first = a.positional.first else { throw Misuse(description: "at least one RUN_DIR is required") }
        let runs = try a.positional.map(RunResults.init)
        let out = a.string("--out") ?? first
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for path in try write(runs, to: out) { print(path) }
    }

    /// Writes the pictures into `out`; returns their paths.
    static func write(_ runs: [RunResults], to out: String) throws -> [String] {
        let names = labels(runs)
        for run in runs where run.meanPerplexity.isEmpty { note("plot: \(run.path) has no test perplexity yet; left out") }
        var written: [String] = []
        for x in Against.allCases {
            let path = out + "/" + x.file
            try perplexity(runs, names, against: x).write(to: path)
            written.append(path)
        }
        // Only runs with routing data need their method (which rebuilds from scenario.json).
        let methods = try runs.map { $0.routing.isEmpty ? nil : try RunMethod($0) }
        let shares = Share.allCases.compactMap { k in share(k, runs, names, methods).map { (k.file, $0) } }
        if shares.isEmpty { note("plot: no run has routing data (a router); no share picture written") }
        for (file, heat) in shares {
            try heat.write(to: out + "/" + file)
            written.append(out + "/" + file)
        }
        return written
    }

    /// A heatmap of top-1 shares: the generalists' (runs whose method has `ExpertRoles`) or
    /// each expert's (the other mixtures, whose experts are only numbered).
    enum Share: CaseIterable {
        case generalist, expert

        var file: String { self == .generalist ? "generalist_share.svg" : "expert_share.svg" }
        var heading: String { self == .generalist ? "Generalist share" : "Top-1 share per expert" }
    }

    /// The x axis of a perplexity chart.
    enum Against: CaseIterable {
        case time, round

        var file: String { self == .time ? "ppl_vs_time.svg" : "ppl_vs_round.svg" }
    }

    /// Mean test perplexity over clients (those each evaluation scored, when `eval_clients` chose
    /// some) against simulated time (s) or round: one line per run, labelled by `names`; runs
    /// without a test perplexity yet are left out.
    static func perplexity(_ runs: [RunResults], _ names: [String], against x: Against) -> SVG {
        let series = zip(runs, names).compactMap { run, label -> Series? in
            let p = run.meanPerplexity
            return p.isEmpty ? nil : Series(label: label, points: p.map { (x == .time ? $0.time : Double($0.round), $0.ppl) })
        }
        return LineChart.render(title: "Mean test perplexity against " + (x == .time ? "simulated time" : "round"),
                                x: x == .time ? "simulated time (s)" : "round",
                                y: "mean test perplexity over " + (runs.allSatisfy { $0.evalClients == .all } ? "clients" : "the scored clients"),
                                series: series)
    }

    /// "method seed S" for every run, or the folder names when those would repeat.
    static func labels(_ runs: [RunResults]) -> [String] {
        let l = runs.map { r in r.seed.map { "\(r.method) seed \($0)" } ?? r.method }
        return Set(l).count == l.count ? l : runs.map(\.folderName)
    }

    /// The `kind` heatmap of the runs it applies to, nil when none does: clients down, layers
    /// across, the top-1 share at each client's last evaluation; one panel per run (generalist
    /// share) or per run and expert, flowing left to right. `methods`: each run's method (nil
    /// for a run without routing data).
    static func share(_ kind: Share, _ runs: [RunResults], _ names: [String], _ methods: [RunMethod?]) -> SVG? {
        struct Panel { var run: RunResults, label: String, clients: [Int], layers: Int, value: [Int: [Int: Double]] }
        var panels: [Panel] = []
        for ((run, label), method) in zip(zip(runs, names), methods) where run.routing.contains(where: { $0.top1Share.count > 1 }) {
            var last: [Int: [Int: RoutingRecord]] = [:]  // client → layer → latest record (file order breaks ties)
            for r in run.routing {
                if let o = last[r.client]?[r.layer], (o.round, o.step) > (r.round, r.step) { continue }
                last[r.client, default: [:]][r.layer] = r
            }
            let panel = { (label: String, value: (RoutingRecord) -> Double?) in
                Panel(run: run, label: label, clients: last.keys.sorted(), layers: (run.routing.map(\.layer).max() ?? 0) + 1,
                      value: last.mapValues { $0.compactMapValues(value) })
            }
            switch (kind, method?.roles) {
            case (.generalist, let roles?):
                panels.append(panel(label) { r in r.top1Share.indices.filter(roles.isGeneralist).map { r.top1Share[$0] }.reduce(0, +) })
            case (.expert, nil):
                for e in 0..<(run.routing.map(\.top1Share.count).max() ?? 0) {
                    panels.append(panel("\(label) · expert \(e)") { r in r.top1Share.indices.contains(e) ? r.top1Share[e] : nil })
                }
            default: continue
            }
        }
        guard !panels.isEmpty else { return nil }
        let cellW = 52.0, cellH = 26.0, rowLabel = 96.0, gap = 28.0, width = 720.0
        // Flow layout: (x, y) of each panel; a panel wider than the picture gets its own row.
        var origin: [(x: Double, y: Double)] = [], x = 16.0, y = 64.0, rowHeight = 0.0, maxX = width
        for p in panels {
            let w = rowLabel + Double(p.layers) * cellW, h = 40 + Double(p.clients.count) * cellH
            if x > 16 && x + w > width - 16 { x = 16; y += rowHeight + gap; rowHeight = 0 }
            origin.append((x, y))
            x += w + gap
            maxX = max(maxX, x)
            rowHeight = max(rowHeight, h)
        }
        var svg = SVG(width: maxX, height: y + rowHeight + 64)
        svg.text(kind == .generalist ? "Share of tokens whose top-1 expert is a generalist (last evaluation)"
                     : "Share of tokens whose top-1 expert is each expert (last evaluation)", 16, 24, size: 15, bold: true)
        svg.text(kind == .generalist ? "rows: clients · columns: layers · 0 = all to specialists, 1 = all to generalists"
                     : "one panel per expert · rows: clients · columns: layers · 0 = no token, 1 = every token", 16, 44, size: 11,
                 fill: "#555555")
        for (p, o) in zip(panels, origin) {
            svg.text(p.label, o.x, o.y, size: 12, bold: true)
            for l in 0..<p.layers {
                svg.text("layer \(l)", o.x + rowLabel + (Double(l) + 0.5) * cellW, o.y + 20, size: 10, anchor: .middle)
            }
            for (i, c) in p.clients.enumerated() {
                let cy = o.y + 28 + Double(i) * cellH, name = p.run.clientName(c)
                svg.text(name.count > 14 ? name.prefix(13) + "…" : name, o.x + rowLabel - 6, cy + cellH / 2 + 4, size: 11,
                         anchor: .end)
                for l in 0..<p.layers {
                    let cx = o.x + rowLabel + Double(l) * cellW
                    guard let v = p.value[c]?[l] else { svg.rect(cx, cy, cellW, cellH, fill: "#eeeeee", stroke: "#ffffff"); continue }
                    svg.rect(cx, cy, cellW, cellH, fill: shade(v), stroke: "#ffffff", title: "\(name), layer \(l): \(v)")
                    svg.text(format2(v), cx + cellW / 2, cy + cellH / 2 + 4, size: 11, anchor: .middle,
                             fill: v > 0.75 ? "#ffffff" : "#222222")
                }
            }
        }
        // Colour scale.
        let sy = y + rowHeight + 24
        for i in 0..<10 { svg.rect(16 + Double(i) * 18, sy, 18, 12, fill: shade((Double(i) + 0.5) / 10)) }
        svg.text("0", 16, sy + 26, size: 10, anchor: .middle)
        svg.text("1", 196, sy + 26, size: 10, anchor: .middle)
        svg.text(kind == .generalist ? "generalist share" : "top-1 share", 206, sy + 10, size: 11)
        return svg
    }

    static func shade(_ v: Double) -> String { SVG.mix("#f4f8fb", "#0072B2", v) }

    /// Two decimals always ("0.50"), for cell annotations that line up.
    static func format2(_ v: Double) -> String {
        let c = Int((v * 100).rounded())
        return "\(c / 100).\(c % 100 < 10 ? "0" : "")\(c % 100)"
    }
}
