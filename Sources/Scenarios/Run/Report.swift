import Foundation
import Tensor

/// Tables from finished runs (their `summary.json`): mean ± std over seeds
/// per row label (the scenario's `label`, else its method), overall and per client.
struct Report {
    struct Row {
        var label: String
        var runs: [JSON] = []
        /// The run folders the summaries came from, in the same order.
        var folders: [String] = []
    }

    var rows: [Row] = []
    /// Client names, from the first run.
    var clients: [String] = []
    /// Runs a sweep under the folders expects (its `sweep-runs.json`) that none of them has finished.
    var unfinished: [String] = []
    var expected = 0

    /// Every `summary.json` under `dirs` (a run folder or any folder above
    /// runs), in path order; rows in order of first appearance.
    static func collect(_ dirs: [String]) throws -> Report {
        var paths: [String] = []
        for d in dirs {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: d, isDirectory: &isDir), isDir.boolValue else {
                throw ScenarioError(key: d, reason: "no such folder")
            }
            let found = (FileManager.default.enumerator(atPath: d)?.compactMap { $0 as? String } ?? []).filter {
                $0 == "summary.json" || $0.hasSuffix("/summary.json")
            }
            paths += found.sorted().map { d + "/" + $0 }
        }
        var r = Report()
        // A sweep's folder names every run it expects; shards' folders of one sweep name the same.
        var expected: [String] = [], seen = Set<String>()  // in manifest order; the set only answers "seen?"
        for d in dirs {
            guard let m = FileManager.default.contents(atPath: d + "/" + Sweep.manifest), let json = try? JSON.parse(m) else { continue }
            for run in json["runs"]?.arrayValue?.compactMap(\.stringValue) ?? [] where seen.insert(run).inserted { expected.append(run) }
        }
        r.expected = expected.count
        r.unfinished = expected.filter { run in !dirs.contains { FileManager.default.fileExists(atPath: $0 + "/" + run + "/summary.json") } }
        for p in paths {
            guard let data = FileManager.default.contents(atPath: p), let json = try? JSON.parse(data),
                  let label = json["label"]?.stringValue ?? json["method"]?.stringValue else {
                throw ScenarioError(key: p, reason: "not a run summary")
            }
            if r.clients.isEmpty, case .array(let cs)? = json["clients"] { r.clients = cs.map { $0["name"]?.stringValue ?? "?" } }
            let folder = (p as NSString).deletingLastPathComponent
            if let i = r.rows.firstIndex(where: { $0.label == label }) {
                r.rows[i].runs.append(json)
                r.rows[i].folders.append(folder)
            } else {
                r.rows.append(Row(label: label, runs: [json], folders: [folder]))
            }
        }
        return r
    }

    /// Mean and sample standard deviation (0 for one value).
    static func meanStd(_ xs: [Double]) -> (mean: Double, std: Double) {
        let m = xs.reduce(0, +) / Double(max(1, xs.count))
        let v = xs.count > 1 ? xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1) : 0
        return (m, v.squareRoot())
    }

    static func clientPPL(_ run: JSON, _ i: Int) -> Double? {
        if case .array(let cs)? = run["clients"], cs.indices.contains(i) { return cs[i]["test_ppl"]?.doubleValue }
        return nil
    }

    func cell(_ xs: [Double], _ f: String = "%.2f") -> String {
        guard !xs.isEmpty else { return "—" }
        let (m, s) = Self.meanStd(xs)
        return xs.count > 1 ? String(format: "\(f) ± \(f)", m, s) : String(format: f, m)
    }

    /// Whether the runs know their data's Bayes floor (`bayes_mean_ppl`: the built-in corpus).
    var hasFloor: Bool { rows.contains { $0.runs.contains { $0["bayes_mean_ppl"] != nil } } }

    /// Layers of the routing summaries whose agreement with the exact origin posterior is known.
    var posteriorLayers: Int { rows.flatMap { $0.runs.map { Self.posteriorCorrelation($0).count } }.max() ?? 0 }

    /// Per layer, the last evaluation's correlation of the router with P(origin general | prefix)
    /// (`summary.json` "routing"; empty without one).
    static func posteriorCorrelation(_ run: JSON) -> [Double] {
        run["routing"]?.arrayValue?.compactMap { $0["posterior_correlation"]?.doubleValue } ?? []
    }

    /// Whether any run reports the time to its target perplexity.
    var hasTarget: Bool { rows.contains { $0.runs.contains { $0["time_to_target_s"].map { $0 != .null } ?? false } } }

    /// The warning above the table when runs of a sweep are missing, and the first of them.
    var incomplete: (headline: String, first: String)? {
        unfinished.isEmpty ? nil : ("Incomplete sweep: \(unfinished.count) of \(expected) runs are not finished", unfinished[0])
    }

    /// The table as text cells: a header and one row per label (markdown and HTML show the same).
    var table: (header: [String], rows: [[String]]) {
        let floor = hasFloor, layers = posteriorLayers
        let header = ["method", "seeds", "mean test ppl"] + (floor ? ["Bayes floor", "ppl / floor"] : [])
            + (layers > 0 ? ["router–posterior corr. (layer 0…\(layers - 1))"] : [])
            + clients.map { "\($0) ppl" } + ["MB up per client", "sim time s"] + (hasTarget ? ["time to target s"] : [])
        let body = self.rows.map { row in
            let mean = row.runs.compactMap { $0["mean_test_ppl"]?.doubleValue }
            let perClient = clients.indices.map { i in cell(row.runs.compactMap { Self.clientPPL($0, i) }) }
            let n = Double(max(1, clients.count))
            let up = row.runs.compactMap { $0["bytes_up"]?.doubleValue }.map { $0 / n / 1e6 }
            let time = row.runs.compactMap { $0["sim_time_s"]?.doubleValue }
            var known: [String] = []
            if floor {
                known += [cell(row.runs.compactMap { $0["bayes_mean_ppl"]?.doubleValue }),
                          cell(row.runs.compactMap { $0["ppl_over_bayes"]?.doubleValue }, "%.3f")]
            }
            if layers > 0 {
                let perLayer = row.runs.map(Self.posteriorCorrelation).filter { $0.count == layers }
                known.append(perLayer.isEmpty ? "—" : (0..<layers).map { l in
                    String(format: "%.2f", Self.meanStd(perLayer.map { $0[l] }).mean)
                }.joined(separator: " / "))
            }
            var cells = [row.label, "\(row.runs.count)", cell(mean)] + known + perClient
                + [up.isEmpty ? "—" : String(format: "%.2f", Self.meanStd(up).mean), time.isEmpty ? "—" : String(format: "%.1f", Self.meanStd(time).mean)]
            if hasTarget {
                // Runs that never reached the target count as missing: "n/a (k of n)".
                let t = row.runs.compactMap { $0["time_to_target_s"]?.doubleValue }
                cells.append(t.count == row.runs.count ? cell(t) : "\(t.isEmpty ? "never" : cell(t)) (\(t.count) of \(row.runs.count))")
            }
            return cells
        }
        return (header, body)
    }

    var markdown: String {
        let (header, rows) = table
        var out = incomplete.map { "**\($0.headline)** (first: \($0.first)).\n\n" } ?? ""
        out += "| " + header.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: header.count) + "\n"
        for r in rows { out += "| " + r.joined(separator: " | ") + " |\n" }
        return out + routingPerSeed
    }

    /// Per run of a mixture: the last evaluation's agreement of the router's generalist
    /// probability with the exact origin posterior, per layer (correlation; mean |gap|).
    var routingPerSeed: String {
        let layers = posteriorLayers
        guard layers > 0 else { return "" }
        var out = "\nRouter against the exact posterior P(origin general | prefix) at the last evaluation, "
            + "per seed (mean over clients; correlation, mean absolute gap in brackets):\n\n"
            + "| method | seed | " + (0..<layers).map { "layer \($0)" }.joined(separator: " | ") + " |\n|---|---|"
            + String(repeating: "---|", count: layers) + "\n"
        for row in rows {
            for r in row.runs where Self.posteriorCorrelation(r).count == layers {
                let cells = (r["routing"]?.arrayValue ?? []).map { l in
                    String(format: "%.2f (%.2f)", l["posterior_correlation"]?.doubleValue ?? .nan, l["posterior_gap"]?.doubleValue ?? .nan)
                }
                out += "| \(row.label) | \(r["seed"]?.doubleValue.map { String(Int($0)) } ?? "?") | " + cells.joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    /// One line per run: label, method, seed, mean and per-client perplexity, bytes, times.
    var csv: String {
        let floor = hasFloor, layers = posteriorLayers
        var out = "label,method,seed,mean_test_ppl," + (floor ? "bayes_mean_ppl,ppl_over_bayes," : "")
            + (0..<layers).map { "posterior_correlation_layer\($0)," }.joined()
            + clients.map { "\($0)_ppl" }.joined(separator: ",") + ",bytes_up,bytes_down,sim_time_s,wall_time_s\n"
        func v(_ x: JSON?) -> String { x.map { $0 == .null ? "" : $0.text() } ?? "" }
        for row in rows {
            for (r, folder) in zip(row.runs, row.folders) {
                let cs = clients.indices.map { i in Self.clientPPL(r, i).map { "\($0)" } ?? "" }
                let corr = Self.posteriorCorrelation(r)
                let known = (floor ? [v(r["bayes_mean_ppl"]), v(r["ppl_over_bayes"])] : [])
                    + (0..<layers).map { l in corr.count == layers ? "\(corr[l])" : "" }
                out += ([csvField(row.label), r["method"]?.stringValue ?? "", v(r["seed"]), v(r["mean_test_ppl"])] + known + cs
                        + [v(r["bytes_up"]), v(r["bytes_down"]), v(r["sim_time_s"]), v(Provenance.wallTime(folder).map { .double($0) })]).joined(separator: ",") + "\n"
            }
        }
        return out
    }

    func csvField(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
}
