import Foundation
import XCTest
@testable import Experiments

/// Issue 19: sweeps as Slurm users run them — status, any subset of points, a merge that
/// never trains, a report that says when a sweep is incomplete, the array script from anywhere.
final class SweepStatusTests: XCTestCase {
    /// A 4-point sweep of one-round runs (one seed each) into `dir/out`.
    func sweep(_ dir: String) throws -> String {
        let base = dir + "/base.json", file = dir + "/sweep.json"
        try Data(RunTests.tiny.utf8).write(to: URL(fileURLWithPath: base))
        try Data("""
            {"name": "t", "scenario": "base.json", "set": {"rounds": 1, "local_steps": 1, "seeds": [0]},
             "variants": [{"label": "FedAvg", "set": {"method.name": "fedavg"}}, {"label": "Local", "set": {"method.name": "local"}}],
             "axes": {"heterogeneity.dropout.failure": [0, 0.1]}, "out": "\(dir)/out"}
            """.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    func testStatusMergeAndReport() throws {
        let dir = try temporaryDirectory("status")
        let file = try sweep(dir)
        let sw = try Sweep.load(file)
        XCTAssertEqual(try comigs(["sweep", file, "--point", "0", "--quiet"], cwd: packageRoot).status, 0)
        // Point 1 interrupted (its run folder has a scenario), point 2 running (we hold its lock), 3 missing.
        let interrupted = sw.points[1].runs[0]
        try FileManager.default.createDirectory(atPath: interrupted, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: interrupted + "/scenario.json"))
        var held = try RunLock(sw.points[2].runs[0])
        XCTAssertNotNil(held)
        let status = try comigs(["sweep", file, "--status"], cwd: packageRoot)
        XCTAssertEqual(status.status, 0, status.stderr)
        let lines = status.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.prefix(4).map { $0.split(separator: "\t")[1] }, ["finished", "interrupted", "running", "missing"])
        XCTAssertTrue(lines.contains("4 points: 1 finished, 1 running, 1 interrupted, 1 missing"), status.stdout)
        XCTAssertEqual(lines.last, "sbatch --array=1,3 scripts/slurm-sweep.sh \(file)")

        // The merge trains nothing while anything is unfinished, and says what to submit.
        let merge = try comigs(["sweep", file, "--merge"], cwd: packageRoot)
        XCTAssertEqual(merge.status, 2)
        XCTAssertTrue(merge.stderr.contains("3 of 4 points are not finished") && merge.stderr.contains("--array=1,3"), merge.stderr)
        XCTAssertEqual(Sweep.RunStatus.of(sw.points[3].runs[0]), .missing, "nothing trained")
        // The report of the partial folder says so and fails.
        let partial = try comigs(["report", dir + "/out"], cwd: packageRoot)
        XCTAssertEqual(partial.status, 1)
        XCTAssertTrue(partial.stdout.hasPrefix("**Incomplete sweep: 3 of 4 runs"), partial.stdout)

        held = nil  // the "running" process stops
        try FileManager.default.removeItem(atPath: interrupted)
        for i in [1, 2, 3] { XCTAssertEqual(try comigs(["sweep", file, "--point", "\(i)", "--quiet"], cwd: packageRoot).status, 0) }
        let done = try comigs(["sweep", file, "--merge", "--quiet"], cwd: packageRoot)
        XCTAssertEqual(done.status, 0, done.stderr)
        XCTAssertEqual(done.stdout, "", "nothing trained by the merge")
        let csv = try String(contentsOfFile: dir + "/out/sweep.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 5, "every row exactly once")
        let report = try comigs(["report", dir + "/out"], cwd: packageRoot)
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertFalse(report.stdout.contains("Incomplete"))

        let bad = try comigs(["sweep", file, "--point", "4"], cwd: packageRoot)
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("has 4 points (0…3)"), bad.stderr)
    }

    /// The array script outside Slurm's spool: from another folder, a relative sweep file, a
    /// single index, a shard count the index must stay below; the folders' names hold a space,
    /// '#', '?' and non-ASCII.
    func testArrayScriptFromAnotherFolder() throws {
        let dir = try temporaryDirectory("slurm script #1 ?é")
        _ = try sweep(dir)
        let elsewhere = try temporaryDirectory("submit here ü")
        let script = packageRoot + "/scripts/slurm-sweep.sh"
        func task(_ i: Int, _ extra: String...) throws -> (status: Int32, stdout: String, stderr: String) {
            try execute(URL(fileURLWithPath: "/bin/bash"), [script, "../\((dir as NSString).lastPathComponent)/sweep.json"] + extra, cwd: elsewhere,
                        environment: ["SLURM_ARRAY_TASK_ID": "\(i)", "SLURM_SUBMIT_DIR": elsewhere, "SLURM_CPUS_PER_TASK": "1"])
        }
        let two = try task(2)
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertTrue(two.stdout.contains("/out/002-"), two.stdout)
        let over = try task(4)
        XCTAssertEqual(over.status, 2)
        XCTAssertTrue(over.stderr.contains("has 4 points"), over.stderr)
        let shard = try task(2, "2")
        XCTAssertEqual(shard.status, 2)
        XCTAssertTrue(shard.stderr.contains("not below the 2 shards"), shard.stderr)
        let ok = try task(1, "2")
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("/out/001-") && ok.stdout.contains("/out/003-"), ok.stdout)
    }
}
