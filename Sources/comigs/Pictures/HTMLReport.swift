import Experiments
import Foundation
import Tensor

/// `comigs report --html`: one self-contained HTML page — inline CSS and SVG, no script, no
/// network, no external font — that any browser shows as it is (and a headless one renders,
/// scripts/render-html.sh). Every text from the run is escaped (`SVG.escape`: XML escaping is
/// valid HTML escaping, in text and in attributes).
enum HTMLReport {
    /// Tokens per client of the routing trace on a run's page.
    static let traceTokens = 160

    /// The policy keys that mean something under each policy (the resolved scenario holds all of them).
    static let policyKeys = ["sync": ["clients_per_round"], "deadline": ["clients_per_round", "deadline_s", "partial"],
                             "overselect": ["clients_per_round", "extra"], "async": ["clients_per_round", "buffer", "max_staleness"]]

    /// The page of one finished run folder: the scenario in brief, the per-client table and
    /// totals, perplexity against simulated time and against round, the timeline of the
    /// simulated events, the generalist share (CoMiGS) or each expert's share (the other
    /// mixtures) and the routing trace (when the method routes and the run's base and adapters
    /// load; else a sentence saying why not). Errors name the file: no scenario.json, or one that
    /// no longer validates, summary.json, events.jsonl or rounds.jsonl; a malformed line (file:line).
    static func run(_ dir: String) throws -> String {
        let run = try RunResults(dir)
        let method = try RunMethod(run)
        guard let summary = run.summary else { throw run.missing("summary.json") }
        let timeline = try Timeline(events: run.events(), rounds: run.rounds(), async: run.policy == "async", clients: summary.clients.count)
        let title = run.name + " — " + run.method + (run.seed.map { ", seed \($0)" } ?? "")
        var body = "<h1>\(e(title))</h1>\n<p class=\"lead\">" + e(headline(summary)) + "</p>\n"
        body += "<p class=\"note\">Run folder <code>\(e(run.path))</code>; written by <code>comigs report --html</code>.</p>\n"
        body += "<h2>Scenario</h2>\n" + keyValues(scenarioSummary(run, method))
        body += "<details><summary>the resolved scenario.json</summary><pre>\(e(run.scenario.text(indent: "  ")))</pre></details>\n"
        // The tables show every member summary.json has, as it has them.
        let members = try JSONValueEncoder().encode(summary)
        body += columns(["<h2>Results per client</h2>\n" + clientTable(members), "<h2>Totals</h2>\n" + keyValues(summaryTotals(members))])
        for (key, rows) in summaryLists(members) { body += "<h3>\(e(key.replacingOccurrences(of: "_", with: " ")))</h3>\n" + objectTable(rows) }
        let label = PlotCommand.labels([run])
        body += "<h2>Perplexity</h2>\n" + columns(PlotCommand.Against.allCases.map { figure(PlotCommand.perplexity([run], label, against: $0)) })
        // The timeline before the routing pictures: it is what explains the perplexity against time.
        body += "<h2>Timeline</h2>\n<p>" + e(timelineCaption(async: run.policy == "async")) + "</p>\n"
        body += figure(TimelinePicture.render(timeline, title: "Simulated events per client", names: run.clientName))
        for kind in PlotCommand.Share.allCases {
            if let heat = PlotCommand.share(kind, [run], label, [method]) { body += "<h2>\(kind.heading)</h2>\n" + figure(heat) }
        }
        body += "<h2>Routing trace</h2>\n" + trace(run, method)
        return page(title: title, body: body)
    }

    /// The page of several runs (a sweep's folder, shards' folders): the report's table and,
    /// per row label, the mean test perplexity of its runs against simulated time.
    /// Errors: a run folder whose files are missing or malformed (naming the file).
    static func runs(_ report: Report, title: String) throws -> String {
        var body = "<h1>\(e(title))</h1>\n"
        if let i = report.incomplete { body += "<p class=\"warn\"><strong>\(e(i.headline))</strong> (first: \(e(i.first))).</p>\n" }
        body += "<p class=\"note\">Mean ± standard deviation over seeds; written by <code>comigs report --html</code>.</p>\n"
        let tables = report.tables
        for t in tables {
            if tables.count > 1 { body += "<p>Runs on clients \(e(t.clients.joined(separator: ", "))):</p>\n" }
            let cells = report.table(clients: t.clients, rows: t.rows)
            body += table(cells.header, cells.rows)
        }
        body += "<h2>Perplexity against simulated time</h2>\n"
        for row in report.rows {
            let runs = try row.folders.map(RunResults.init)
            body += "<h3>\(e(row.label))</h3>\n" + figure(PlotCommand.perplexity(runs, PlotCommand.labels(runs), against: .time))
        }
        return page(title: title, body: body)
    }

    /// "Mean test perplexity 70.352 over 4 clients; 9.18 MB uploaded; 549.3 simulated seconds."
    static func headline(_ summary: RunSummary) -> String {
        var parts: [String] = []
        if let m = summary.meanTestPPL {
            parts.append("Mean test perplexity \(String(format: "%.3f", m)) " + (summary.scoredPhrase ?? "over \(summary.clients.count) clients"))
        }
        parts.append(String(format: "%.2f MB uploaded", Double(summary.bytesUp) / 1e6))
        parts.append(String(format: "%.1f simulated seconds", summary.simTime))
        return parts.joined(separator: "; ") + "."
    }

    /// The scenario in brief; the page holds the whole of it below.
    static func scenarioSummary(_ run: RunResults, _ m: RunMethod) -> [(String, String)] {
        let s = run.scenario
        var method = run.method
        if m.withoutRouter == nil {
            let experts = (0..<m.clients).map { m.strategy.adapters(client: $0).experts }, most = experts.max() ?? 0
            method += " · \(experts.min() == most ? "" : "\(experts.min() ?? 0)–")\(most) experts per client, "
                + (m.roles.map { "\($0.generalists) of them generalist(s)" } ?? m.sharing(experts: most))
        }
        let clients = run.summary?.clients ?? []
        var devices: [(String, Int)] = []
        for d in clients.map(\.device) {
            if let i = devices.firstIndex(where: { $0.0 == d }) { devices[i].1 += 1 } else { devices.append((d, 1)) }
        }
        let policy = run.policy
        let knobs = (policyKeys[policy] ?? []).compactMap { k in s["policy"]?[k].map { "\(k) \(value($0))" } }
        let get = { (k: String) in s[k].map(value) ?? "?" }
        return [
            ("method", method),
            ("clients", "\(clients.count)"),
            ("devices", devices.map { "\($0.1) \($0.0)" }.joined(separator: ", ")),
            ("policy", ([policy] + knobs).joined(separator: " · ")),
            ("schedule", "\(get("rounds")) rounds × \(get("local_steps")) local steps, batch \(get("batch")) (micro-batches of \(get("micro_batch"))); "
                + "scored \(get("eval_when").replacingOccurrences(of: "_", with: " ")) every \(get("eval_every")) round(s)"
                + (run.evalClients == .all ? "" : ", eval_clients \(run.evalClients.json.text())")),
            ("heterogeneity", flat(s["heterogeneity"] ?? .null)),
            ("data", flat(s["data"] ?? .null)),
            ("base model", s["model"]?["base"].map(value) ?? "?"),
        ]
    }

    /// summary.json's single values (numbers, strings) as they are, and its lists of them
    /// (e.g. the clients in base_misfits) joined, "none" when empty.
    static func summaryTotals(_ summary: JSON) -> [(String, String)] {
        guard case .object(let members) = summary else { return [] }
        return members.compactMap { k, v in
            guard let items = v.arrayValue else { return (k, value(v)) }
            if isObjectList(items) { return nil }
            return (k, items.isEmpty ? "none" : items.map(value).joined(separator: ", "))
        }
    }

    /// summary.json's lists of objects other than the clients (e.g. the routing per layer), in order.
    static func summaryLists(_ summary: JSON) -> [(String, [JSON])] {
        guard case .object(let members) = summary else { return [] }
        return members.compactMap { k, v in k == "clients" ? nil : v.arrayValue.flatMap { isObjectList($0) ? (k, $0) : nil } }
    }

    static func isObjectList(_ items: [JSON]) -> Bool { !items.isEmpty && items.allSatisfy { if case .object = $0 { true } else { false } } }

    /// One row per client of summary.json, one column per member any client has (first seen
    /// first), so whatever a run records per client (perplexity, loss, specialists, …) shows.
    static func clientTable(_ summary: JSON) -> String { objectTable(summary["clients"]?.arrayValue ?? []) }

    /// One row per object, one column per member any of them has (first seen first).
    static func objectTable(_ rows: [JSON]) -> String {
        var keys: [String] = []
        for case .object(let members) in rows { for (k, _) in members where !keys.contains(k) { keys.append(k) } }
        return table(keys.map { $0.replacingOccurrences(of: "_", with: " ") }, rows.map { r in keys.map { r[$0].map(value) ?? "—" } })
    }

    /// The routing trace of every client with a router at the middle layer, or why there is none.
    static func trace(_ run: RunResults, _ method: RunMethod) -> String {
        if let none = method.withoutRouter { return "<p>None: \(e(none)).</p>\n" }
        do {
            let base = try TraceCommand.loadBase(run)
            let svg = try TraceCommand.picture(run, method, base: base, clients: TraceCommand.allClients(run, method),
                                               layer: base.model.config.nLayer / 2, text: nil, count: traceTokens)
            return figure(svg)
        } catch {
            return "<p>Not drawn: \(e("\(error)")).</p>\n"
        }
    }

    static func timelineCaption(async: Bool) -> String {
        "Each row is a client; bars are its download, local training and upload on the simulated clock, with markers "
            + "where it failed (its update lost) or was dropped. events.jsonl records when each phase ends, not when a download "
            + (async ? "starts: under async the start is taken as the last moment a training slot freed before it. "
                + "Thin bars were still going when the run reached its last version."
                     : "starts: every selected client starts at its round's start.")
            + " Hover over a bar or marker for its times."
    }

    /// A JSON value as a table cell: integers as they are, other numbers with three decimals.
    static func value(_ v: JSON) -> String {
        switch v {
        case .null: "—"
        case .string(let s): s
        case .number(let x, false) where x.magnitude >= 0.001 || x == 0: String(format: "%.3f", x)
        default: v.text()
        }
    }

    /// An object's members as "key value" pairs, nested keys dotted: "straggler.kind fixed, …".
    static func flat(_ v: JSON, _ prefix: String = "") -> String {
        guard case .object(let members) = v else { return value(v) }
        return members.map { k, m in
            if case .object = m { return flat(m, prefix + k + ".") }
            return prefix + k + " " + value(m)
        }.joined(separator: ", ")
    }

    // MARK: HTML

    static func e(_ s: String) -> String { SVG.escape(s) }

    static func figure(_ svg: SVG) -> String { "<figure>\n" + svg.document + "</figure>\n" }

    /// Blocks side by side (they wrap on a narrow window).
    static func columns(_ blocks: [String]) -> String {
        "<div class=\"columns\">\n" + blocks.map { "<div>\n\($0)</div>\n" }.joined() + "</div>\n"
    }

    static func keyValues(_ rows: [(String, String)]) -> String {
        "<table class=\"kv\">\n" + rows.map { "<tr><th>\(e($0.0))</th><td>\(e($0.1))</td></tr>\n" }.joined() + "</table>\n"
    }

    /// A table of text cells; cells that read as numbers are right-aligned.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var out = "<table>\n<tr>" + header.map { "<th>\(e($0))</th>" }.joined() + "</tr>\n"
        for r in rows {
            out += "<tr>" + r.map { c in Double(c.split(separator: " ").first ?? "") != nil ? "<td class=\"n\">\(e(c))</td>" : "<td>\(e(c))</td>" }.joined() + "</tr>\n"
        }
        return out + "</table>\n"
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(e(title))</title>
        <style>
        body { font-family: Helvetica, Arial, sans-serif; color: #222; margin: 24px auto; max-width: 1100px; padding: 0 16px; }
        h1 { font-size: 24px; } h2 { font-size: 19px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
        p { font-size: 14px; } .lead { font-size: 16px; } .note { color: #555; font-size: 13px; } .warn { color: #a03000; }
        table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
        th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
        th { background: #f4f6f8; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
        table.kv th { width: 130px; }
        figure { margin: 12px 0; } svg { max-width: 100%; height: auto; }
        .columns { display: flex; flex-wrap: wrap; gap: 0 40px; align-items: flex-start; } .columns > div { flex: 1 1 0; min-width: 300px; }
        pre { font-size: 11px; background: #f8f8f8; padding: 8px; overflow-x: auto; }
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }
}
