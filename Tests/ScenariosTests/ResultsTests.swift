import Foundation
import Tensor
import XCTest
@testable import comigs
@testable import Experiments

/// The committed tables come from the committed scenarios and code: one row of
/// each kind is re-run and must give the same numbers to the last bit.
final class ResultsTests: XCTestCase {
    /// The value a results CSV records in `column` (default: the mean test perplexity) for (label, seed).
    func recorded(_ csv: String, label: String, seed: Int, column: String = "mean_test_ppl") throws -> Double {
        let text = try String(contentsOfFile: packageRoot + "/" + csv, encoding: .utf8)
        let rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let c = try XCTUnwrap(rows.first?.firstIndex(of: column), "\(csv) has no column \(column)")
        guard let row = rows.first(where: { $0.count > c && $0[0] == label && $0[2] == "\(seed)" }), let v = Double(row[c]) else {
            throw XCTSkip("\(csv) has no row \(label) seed \(seed)")
        }
        return v
    }

    /// Runs one point of a sweep file (seed 0) and returns its summary.
    func rerun(_ sweepFile: String, label: String, overrides: [String] = []) throws -> RunSummary {
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(packageRoot))
        let sweep = try Sweep.load(packageRoot + "/" + sweepFile)
        let point = try XCTUnwrap(sweep.points.first { $0.label == label }, "no point \(label)")
        let scenario = try Scenario.make(point.scenario.resolved, overrides: overrides)
        let run = try ScenarioRun.start(scenario, seed: 0, out: try temporaryDirectory("results"), workers: 2, quiet: true)
        return try JSONLines.object(run.file("summary.json"))
    }

    func testSyntheticMethodsRowReproduces() throws {
        let ppl = try rerun("scenarios/sweeps/quickstart-methods.json", label: "CoMiGS-1G1S").meanTestPPL
        XCTAssertEqual(ppl, try recorded("results/sweeps/quickstart-methods.csv", label: "CoMiGS-1G1S", seed: 0))
    }

    /// An async point: its arrivals' order and staleness come from the event core, so the
    /// perplexity and the simulated time both pin the scheduler and the numerics together.
    func testStragglerPolicyAsyncRowReproduces() throws {
        let label = "async buffer 2 heterogeneity.straggler.factor=1", csv = "results/sweeps/straggler-policy.csv"
        let summary = try rerun("scenarios/sweeps/straggler-policy.json", label: label)
        XCTAssertEqual(summary.meanTestPPL, try recorded(csv, label: label, seed: 0))
        XCTAssertEqual(summary.simTime, try recorded(csv, label: label, seed: 0, column: "sim_time_s"))
        XCTAssertEqual(summary.timeToTarget, 6.81638)  // results/sweeps/straggler-policy.md: 6.82
    }

    func testPaperTableRowReproduces() throws {
        // The table reads data/multilingual (prepared from the Debian corpora); prepare a copy.
        let data = try temporaryDirectory("multilingual")
        let prepared = try comigs(["data", "prepare", "multilingual", "--out", data], cwd: packageRoot)
        if prepared.status != 0 {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail(prepared.stderr) }
            throw XCTSkip("corpora missing (scripts/corpora.sh): \(prepared.stderr)")
        }
        let ppl = try rerun("scenarios/paper/table1-multilingual.json", label: "FedAvg", overrides: ["data.path=\"\(data)\""]).meanTestPPL
        XCTAssertEqual(ppl, try recorded("results/paper/table1-multilingual.csv", label: "FedAvg", seed: 0))
    }
}
