import Experiments
import Foundation
import Tensor

enum ReportCommand {
    static let usage = """
        usage: comigs report DIR... [--csv FILE] [--html FILE]

        Reads every finished run (summary.json) under the given folders — run folders, a
        sweep's folder, or the folders of several sweep shards — and prints a markdown table:
        mean ± std over seeds of the mean test perplexity, and of each client's, per row label
        (the scenario's label, else its method), with megabytes uploaded per client and
        simulated time. --csv also writes one line per run; its wall_time_s comes from the run's
        provenance.json (summed over the sessions that made the run; empty when one of them was
        killed or the folder has no such file). A sweep's folder lists the runs the
        sweep expects (sweep-runs.json): when any of them is finished in none of the folders,
        the table is headed "Incomplete sweep" and the exit code is 1.

        --html also writes one self-contained page (inline SVG and CSS; no script, no network).
        For a single run folder: the scenario in brief, the per-client table, perplexity
        against simulated time and round, the generalist share (CoMiGS) or each expert's share
        (the other mixtures), the routing trace (when the method has a router and the run's
        base and adapters load) and a timeline of the simulated events, one row per client.
        Otherwise: the table and, per row label, perplexity against simulated time.
        scripts/render-html.sh FILE PNG renders it with headless Chromium.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--csv", "--html"])
        guard !a.positional.isEmpty else { throw Misuse(description: "expected at least one folder") }
        let report = try Report.collect(a.positional)
        guard !report.rows.isEmpty else { throw ScenarioError(key: a.positional.joined(separator: " "), reason: "no finished runs (summary.json) found") }
        if let csv = a.string("--csv") { try AtomicFile.write(Data(report.csv.utf8), to: csv) }
        if let html = a.string("--html") {
            let dirs = a.positional
            let page = try dirs.count == 1 && FileManager.default.fileExists(atPath: dirs[0] + "/scenario.json")
                ? HTMLReport.run(dirs[0]) : HTMLReport.runs(report, title: "Report: " + dirs.joined(separator: ", "))
            try AtomicFile.write(Data(page.utf8), to: html)
        }
        print(report.markdown, terminator: "")
        if !report.unfinished.isEmpty {
            throw CheckFailed(description: "incomplete sweep: \(report.unfinished.count) of \(report.expected) runs not finished: "
                              + report.unfinished.prefix(5).joined(separator: ", ") + (report.unfinished.count > 5 ? ", …" : ""))
        }
    }
}
