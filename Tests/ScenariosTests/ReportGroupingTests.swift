import Foundation
import Tensor
import XCTest
@testable import Experiments

/// `comigs report` combines only runs of one experiment: rows are resolved scenarios up to the
/// seed, per-client columns are each row's own clients, the output does not depend on the order
/// of the folders, a seed never counts twice, and labels cannot break the markdown table.
final class ReportGroupingTests: ScratchFolderTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try Data(RunTests.tiny.utf8).write(to: URL(fileURLWithPath: dir + "/tiny.json"))
    }

    /// One seed of the tiny scenario with `sets`, into `dir/<out>`; returns the run folder.
    func run(_ out: String, _ sets: [String]) throws -> String {
        let r = try comigs(["run", dir + "/tiny.json", "--out", dir + "/" + out, "--quiet", "--set", "rounds=1", "--set", "local_steps=1",
                            "--set", "method.name=fedavg"] + sets.flatMap { ["--set", $0] }, cwd: packageRoot)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.trimmingCharacters(in: .newlines)
    }

    func report(_ folders: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try comigs(["report"] + folders, cwd: packageRoot)
    }

    func summary(_ run: String) throws -> RunSummary { try JSONLines.object(run + "/summary.json") }

    func testOnlyRunsOfOneExperimentShareARow() throws {
        let a = try run("a", [])
        let a1 = try run("a", ["seeds=[1]"])
        let b = try run("b", ["data.synthetic.divergence=0.3"])  // another world, same label and seed
        let c = try run("c", ["clients=[{\"device\":\"low\"},{\"device\":\"high\"}]"])  // two clients

        let r = try report([dir + "/a", dir + "/b", dir + "/c"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try report([dir + "/c", dir + "/b", dir + "/a"]).stdout, r.stdout, "the folders' order changes nothing")
        XCTAssertEqual(try report([dir + "/c", dir + "/a", dir + "/a/" + (a as NSString).lastPathComponent, dir + "/b"]).stdout, r.stdout,
                       "a run under two given folders counts once")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // Seeds 0 and 1 of the default world share a row; the other world and the two-client run do not.
        let rowA = try XCTUnwrap(lines.first { $0.hasPrefix("| fedavg (data.synthetic.divergence=0.7") }, r.stdout)
        let rowB = try XCTUnwrap(lines.first { $0.hasPrefix("| fedavg (data.synthetic.divergence=0.3") }, r.stdout)
        XCTAssertTrue(rowA.hasPrefix("| fedavg (data.synthetic.divergence=0.7, clients=") && rowA.contains(" | 2 | "), rowA)
        XCTAssertTrue(rowB.contains(" | 1 | "), rowB)
        let meanA = Report.meanStd([try summary(a), try summary(a1)].map { $0.meanTestPPL! })
        XCTAssertTrue(rowA.contains(String(format: "%.2f ± %.2f", meanA.mean, meanA.std)), rowA)
        XCTAssertTrue(rowB.contains(String(format: "%.2f", try summary(b).meanTestPPL!)), rowB)
        // Two tables: the two-client run has its own columns and its own MB per client.
        XCTAssertTrue(r.stdout.hasPrefix("Runs on clients client0, client1, client2, client3:\n"), r.stdout)
        XCTAssertTrue(r.stdout.contains("\nRuns on clients client0, client1:\n"), r.stdout)
        let rowC = try XCTUnwrap(lines.first { $0.contains("clients=[{\"device\":\"low\"},{\"device\":\"high\"}]") }, r.stdout)
        let sc = try summary(c)
        XCTAssertEqual(rowC.split(separator: "|").count, 3 + 2 + 2 + 2, rowC)  // label, seeds, mean; floor, ratio; 2 clients; MB, time
        XCTAssertTrue(rowC.contains(String(format: " | %.2f | ", Double(sc.bytesUp) / 2 / 1e6)), rowC)
        for i in 0..<2 { XCTAssertTrue(rowC.contains(String(format: "%.2f", Report.clientPPL(sc, i)!)), rowC) }
        // The CSV has a column per client name; each run fills its own.
        let csv = try Report.collect([dir + "/a", dir + "/c"]).csv.split(separator: "\n")
        XCTAssertTrue(csv[0].contains("client0_ppl,client1_ppl,client2_ppl,client3_ppl,bytes_up"), String(csv[0]))
        XCTAssertEqual(csv.count, 4)
    }

    func testASeedNeverCountsTwice() throws {
        let bad = try comigs(["run", dir + "/tiny.json", "--out", dir + "/x", "--set", "seeds=[0,0,1]"], cwd: packageRoot)
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr, "comigs: seeds: 0 is listed twice (at 0 and 1)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x"), "nothing ran")
        let first = try run("twice", []), second = try run("twice", [])
        XCTAssertEqual(second, first + "-2")
        let r = try report([dir + "/twice"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("the same scenario and seed (0) as ") && r.stderr.contains(first) && r.stderr.contains(second), r.stderr)
    }

    func testLabelsCannotShiftTheCells() throws {
        XCTAssertEqual(Report.markdownCell("a|b|c"), "a\\|b\\|c")
        let labelled = try run("pipe", ["label=\"FedAvg | weighted\""])
        let r = try report([labelled])
        XCTAssertEqual(r.status, 0, r.stderr)
        let header = r.stdout.split(separator: "\n")[0], row = r.stdout.split(separator: "\n")[2]
        XCTAssertTrue(row.hasPrefix("| FedAvg \\| weighted | 1 | "), String(row))
        // As many cell separators as the header (escaped pipes are not separators).
        let separators = { (s: Substring) in s.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count }
        XCTAssertEqual(separators(row), separators(header))
    }
}
