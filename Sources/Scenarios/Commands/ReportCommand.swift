import Foundation
import Tensor

enum ReportCommand {
    static let usage = """
        usage: comigs report DIR... [--csv FILE]

        Reads every finished run (summary.json) under the given folders — run folders, a
        sweep's folder, or the folders of several sweep shards — and prints a markdown table:
        mean ± std over seeds of the mean test perplexity, and of each client's, per row label
        (the scenario's label, else its method), with megabytes uploaded per client and
        simulated time. --csv also writes one line per run. A sweep's folder lists the runs the
        sweep expects (sweep-runs.json): when any of them is finished in none of the folders,
        the table is headed "Incomplete sweep" and the exit code is 1.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--csv"])
        guard !a.positional.isEmpty else { throw UsageError(description: "report: expected at least one folder\n" + usage) }
        let report = try Report.collect(a.positional)
        guard !report.rows.isEmpty else { throw ScenarioError(key: a.positional.joined(separator: " "), reason: "no finished runs (summary.json) found") }
        if let csv = a.string("--csv") { try AtomicFile.write(Data(report.csv.utf8), to: csv) }
        print(report.markdown, terminator: "")
        if !report.unfinished.isEmpty {
            throw CheckFailed(description: "incomplete sweep: \(report.unfinished.count) of \(report.expected) runs not finished: "
                              + report.unfinished.prefix(5).joined(separator: ", ") + (report.unfinished.count > 5 ? ", …" : ""))
        }
    }
}
