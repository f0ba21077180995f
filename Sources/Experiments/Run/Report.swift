import Foundation
import Tensor

/// Tables from finished runs (their `summary.json`): mean ± std over seeds per row, overall and
/// per client. A row is one experiment: runs whose resolved scenarios (`scenario.json`) are equal
/// but for the seed and the keys that never change a number (`neutralKeys`). Rows that differ in
/// anything else stay apart; when two share a label, each label gets the keys they differ in.
/// Per-client columns belong to each row's own clients: rows with other clients go to a table of
/// their own. Runs are read in the order of their resolved paths, so the output does not depend
/// on the order the folders are given in.
package struct Report {
    package struct Row {
        /// The scenario's `label`, else its method; with the differing keys when that is ambiguous.
        package var label: String
        /// The resolved scenario the runs share, without the neutral keys.
        package var scenario: JSON
        /// Client names, from the row's first run.
        package var clients: [String]
        package var runs: [RunSummary] = []
        /// The run folders the summaries came from, in the same order.
        package var folders: [String] = []
    }

    /// Keys of a resolved scenario that change no number: which seeds run, where outputs go,
    /// how often a run checkpoints.
    package static let neutralKeys: Set<String> = ["seeds", "outputs", "checkpoint_every"]

    package var rows: [Row] = []
    /// Runs a sweep under the folders expects (its `sweep-runs.json`) that none of them has finished.
    package var unfinished: [String] = []
    package var expected = 0

    /// Rows with the same clients, one table each, in order of their first row.
    package var tables: [(clients: [String], rows: [Row])] {
        var out: [(clients: [String], rows: [Row])] = []
        for r in rows {
            if let i = out.firstIndex(where: { $0.clients == r.clients }) { out[i].rows.append(r) } else { out.append((r.clients, [r])) }
        }
        return out
    }

    /// Every `summary.json` under `dirs` (a run folder or any folder above runs); a run found
    /// under two of them counts once. Errors: a folder that does not exist, a summary that is not
    /// a `RunSummary` (naming the member), a summary without its `scenario.json`, two runs of one
    /// experiment with the same seed.
    package static func collect(_ dirs: [String]) throws -> Report {
        var paths = Set<String>()
        for d in dirs {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: d, isDirectory: &isDir), isDir.boolValue else {
                throw ScenarioError(key: d, reason: "no such folder")
            }
            let found = (FileManager.default.enumerator(atPath: d)?.compactMap { $0 as? String } ?? []).filter {
                $0 == "summary.json" || $0.hasSuffix("/summary.json")
            }
            for f in found { paths.insert(URL(fileURLWithPath: d + "/" + f).resolvingSymlinksInPath().path) }
        }
        var r = Report()
        // A sweep's folder names every run it expects; shards' folders of one sweep name the same.
        var expected: [String] = [], seen = Set<String>()  // in manifest order; the set only answers "seen?"
        for d in dirs {
            guard let manifest = try? JSONLines.object(d + "/" + Sweep.manifest) as Sweep.Manifest else { continue }
            for run in manifest.runs where seen.insert(run).inserted { expected.append(run) }
        }
        r.expected = expected.count
        r.unfinished = expected.filter { run in !dirs.contains { FileManager.default.fileExists(atPath: $0 + "/" + run + "/summary.json") } }
        for p in paths.sorted() {
            let folder = (p as NSString).deletingLastPathComponent
            let summary: RunSummary
            do { summary = try JSONLines.object(p) } catch let e as ScenarioError { throw ScenarioError(key: p, reason: "not a run summary: \(e.reason)") }
            guard let s = FileManager.default.contents(atPath: folder + "/scenario.json"), let scenario = try? JSON.parse(s) else {
                throw ScenarioError(key: folder + "/scenario.json", reason: "missing or malformed: the report groups runs by their scenario")
            }
            let experiment = Self.withoutNeutralKeys(scenario)
            if let i = r.rows.firstIndex(where: { $0.scenario == experiment }) {
                if let j = r.rows[i].runs.firstIndex(where: { $0.seed == summary.seed }) {
                    throw ScenarioError(key: folder, reason: "the same scenario and seed (\(summary.seed)) as \(r.rows[i].folders[j]); "
                                        + "report one of them (a repeated seed would count twice in the mean ± std)")
                }
                r.rows[i].runs.append(summary)
                r.rows[i].folders.append(folder)
            } else {
                r.rows.append(Row(label: summary.label, scenario: experiment, clients: summary.clients.map(\.name), runs: [summary], folders: [folder]))
            }
        }
        r.disambiguateLabels()
        return r
    }

    package static func withoutNeutralKeys(_ scenario: JSON) -> JSON {
        guard case .object(let members) = scenario else { return scenario }
        return .object(members.filter { !neutralKeys.contains($0.0) })
    }

    /// Rows that share a label get the scenario keys they differ in: "comigs (data.source=folder)".
    package mutating func disambiguateLabels() {
        let flat = rows.map { Self.leaves($0.scenario) }
        for label in Set(rows.map(\.label)) {
            let same = rows.indices.filter { rows[$0].label == label }
            guard same.count > 1 else { continue }
            var keys: [String] = []  // in scenario order
            for i in same { for (k, _) in flat[i] where !keys.contains(k) { keys.append(k) } }
            let differing = keys.filter { k in Set(same.map { i in flat[i].first { $0.0 == k }?.1 ?? "—" }).count > 1 }
            for i in same {
                let shown = differing.prefix(3).map { k in "\(k)=\(flat[i].first { $0.0 == k }?.1 ?? "—")" }
                rows[i].label = "\(label) (" + shown.joined(separator: ", ") + (differing.count > 3 ? ", …" : "") + ")"
            }
        }
    }

    /// A scenario's leaves as (dotted key, value text) in file order; lists are one leaf, long values shortened.
    package static func leaves(_ v: JSON, prefix: String = "") -> [(String, String)] {
        guard case .object(let members) = v else {
            let t = v.stringValue ?? v.text()
            return [(prefix, t.count > 40 ? String(t.prefix(39)) + "…" : t)]
        }
        return members.flatMap { k, x in leaves(x, prefix: prefix.isEmpty ? k : prefix + "." + k) }
    }

    /// Mean and sample standard deviation (0 for one value).
    package static func meanStd(_ xs: [Double]) -> (mean: Double, std: Double) {
        let m = xs.reduce(0, +) / Double(max(1, xs.count))
        let v = xs.count > 1 ? xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1) : 0
        return (m, v.squareRoot())
    }

    package static func clientPPL(_ run: RunSummary, _ i: Int) -> Double? { run.clients.indices.contains(i) ? run.clients[i].testPPL : nil }

    package func cell(_ xs: [Double], _ f: String = "%.2f") -> String {
        guard !xs.isEmpty else { return "—" }
        let (m, s) = Self.meanStd(xs)
        return xs.count > 1 ? String(format: "\(f) ± \(f)", m, s) : String(format: f, m)
    }

    /// The row's mean test perplexity over seeds; when its runs scored only some clients
    /// (`eval_clients`), over how many: "71.20 (over 4 of 12 clients)", "(over 2–3 of 12 clients)".
    package func meanCell(_ row: Row) -> String {
        let mean = cell(row.runs.compactMap(\.meanTestPPL))
        guard row.runs.contains(where: { $0.evalClients != nil }) else { return mean }
        let k = row.runs.map(\.scoredClients), (lo, hi) = (k.min() ?? 0, k.max() ?? 0)
        return mean + " (over \(lo == hi ? "\(lo)" : "\(lo)–\(hi)") of \(row.clients.count) clients)"
    }

    /// Whether some run scored only some clients (`eval_clients`): its means are over those.
    package var scoredSome: Bool { rows.contains { $0.runs.contains { $0.evalClients != nil } } }

    /// Whether the runs know their data's Bayes floor (`bayes_mean_ppl`: the built-in corpus).
    package var hasFloor: Bool { rows.contains { $0.runs.contains { $0.bayesMeanPPL != nil } } }

    /// Layers of the routing summaries whose agreement with the exact origin posterior is known.
    package var posteriorLayers: Int { rows.flatMap { $0.runs.map { Self.posteriorCorrelation($0).count } }.max() ?? 0 }

    /// Per layer, the last evaluation's correlation of the router with P(origin general | prefix)
    /// (`summary.json` "routing"; empty without one).
    package static func posteriorCorrelation(_ run: RunSummary) -> [Double] { run.routing?.compactMap(\.posteriorCorrelation) ?? [] }

    /// Whether any run reports the time to its target perplexity.
    package var hasTarget: Bool { rows.contains { $0.runs.contains { $0.timeToTarget != nil } } }

    /// The warning above the table when runs of a sweep are missing, and the first of them.
    package var incomplete: (headline: String, first: String)? {
        unfinished.isEmpty ? nil : ("Incomplete sweep: \(unfinished.count) of \(expected) runs are not finished", unfinished[0])
    }

    /// One table as text cells: a header and one row per experiment (markdown and HTML show the same).
    package func table(clients: [String], rows: [Row]) -> (header: [String], rows: [[String]]) {
        let floor = hasFloor, layers = posteriorLayers
        let header = ["method", "seeds", "mean test ppl"] + (floor ? ["Bayes floor", "ppl / floor"] : [])
            + (layers > 0 ? ["router–posterior corr. (layer 0…\(layers - 1))"] : [])
            + clients.map { "\($0) ppl" } + ["MB up per client", "sim time s"] + (hasTarget ? ["time to target s"] : [])
        let body = rows.map { row in
            let perClient = clients.indices.map { i in cell(row.runs.compactMap { Self.clientPPL($0, i) }) }
            let n = Double(max(1, clients.count))
            let up = row.runs.map { Double($0.bytesUp) / n / 1e6 }
            let time = row.runs.map(\.simTime)
            var known: [String] = []
            if floor {
                known += [cell(row.runs.compactMap(\.bayesMeanPPL)), cell(row.runs.compactMap { $0.pplOverBayes?.wrappedValue }, "%.3f")]
            }
            if layers > 0 {
                let perLayer = row.runs.map(Self.posteriorCorrelation).filter { $0.count == layers }
                known.append(perLayer.isEmpty ? "—" : (0..<layers).map { l in
                    String(format: "%.2f", Self.meanStd(perLayer.map { $0[l] }).mean)
                }.joined(separator: " / "))
            }
            var cells = [row.label, "\(row.runs.count)", meanCell(row)] + known + perClient
                + [up.isEmpty ? "—" : String(format: "%.2f", Self.meanStd(up).mean), time.isEmpty ? "—" : String(format: "%.1f", Self.meanStd(time).mean)]
            if hasTarget {
                // Runs that never reached the target count as missing: "n/a (k of n)".
                let t = row.runs.compactMap(\.timeToTarget)
                cells.append(t.count == row.runs.count ? cell(t) : "\(t.isEmpty ? "never" : cell(t)) (\(t.count) of \(row.runs.count))")
            }
            return cells
        }
        return (header, body)
    }

    /// A markdown table cell: `|` escaped, so a label never shifts the cells after it.
    package static func markdownCell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }

    package static func markdownTable(_ header: [String], _ rows: [[String]]) -> String {
        var out = "| " + header.map(markdownCell).joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: header.count) + "\n"
        for r in rows { out += "| " + r.map(markdownCell).joined(separator: " | ") + " |\n" }
        return out
    }

    package var markdown: String {
        var out = incomplete.map { "**\($0.headline)** (first: \($0.first)).\n\n" } ?? ""
        let tables = self.tables
        for (k, t) in tables.enumerated() {
            // Tables of other clients are told apart by their clients.
            if tables.count > 1 { out += (k > 0 ? "\n" : "") + "Runs on clients " + t.clients.map(Self.markdownCell).joined(separator: ", ") + ":\n\n" }
            let (header, rows) = table(clients: t.clients, rows: t.rows)
            out += Self.markdownTable(header, rows)
        }
        return out + routingPerSeed
    }

    /// Per run of a mixture: the last evaluation's agreement of the router's generalist
    /// probability (expert 0's for a mixture without generalists, `RunEvaluation.generalists`)
    /// with the exact origin posterior, per layer (correlation; mean |gap|).
    package var routingPerSeed: String {
        let layers = posteriorLayers
        guard layers > 0 else { return "" }
        let out = "\nRouter against the exact posterior P(origin general | prefix) at the last evaluation, "
            + "per seed (mean over " + (scoredSome ? "the clients it scored" : "clients") + "; correlation, mean absolute gap in brackets):\n\n"
        var cells: [[String]] = []
        for row in rows {
            for r in row.runs where Self.posteriorCorrelation(r).count == layers {
                cells.append([row.label, "\(r.seed)"] + (r.routing ?? []).map { l in
                    String(format: "%.2f (%.2f)", l.posteriorCorrelation ?? .nan, l.posteriorGap ?? .nan)
                })
            }
        }
        return out + Self.markdownTable(["method", "seed"] + (0..<layers).map { "layer \($0)" }, cells)
    }

    /// One line per run: label, method, seed, mean and per-client perplexity (a column per client
    /// name; a run fills its own clients' columns), bytes, times.
    package var csv: String {
        let floor = hasFloor, layers = posteriorLayers
        var names: [String] = []
        for r in rows { for c in r.clients where !names.contains(c) { names.append(c) } }
        var out = "label,method,seed,mean_test_ppl," + (floor ? "bayes_mean_ppl,ppl_over_bayes," : "")
            + (0..<layers).map { "posterior_correlation_layer\($0)," }.joined()
            + names.map { csvField("\($0)_ppl") }.joined(separator: ",") + ",bytes_up,bytes_down,sim_time_s,wall_time_s\n"
        // Numbers as summary.json writes them; empty when unknown.
        func v(_ x: Double?) -> String { x.map { JSON.double($0).text() } ?? "" }
        for row in rows {
            for (r, folder) in zip(row.runs, row.folders) {
                let cs = names.map { name in row.clients.firstIndex(of: name).flatMap { Self.clientPPL(r, $0) }.map { "\($0)" } ?? "" }
                let corr = Self.posteriorCorrelation(r)
                let known = (floor ? [v(r.bayesMeanPPL), v(r.pplOverBayes?.wrappedValue)] : [])
                    + (0..<layers).map { l in corr.count == layers ? "\(corr[l])" : "" }
                let totals = [JSON.int(r.bytesUp).text(), JSON.int(r.bytesDown).text(), v(r.simTime), v(Provenance.wallTime(folder))]
                out += ([csvField(row.label), r.method, JSON.int(r.seed).text(), v(r.meanTestPPL)] + known + cs + totals).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    package func csvField(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
}
