import Foundation
import XCTest
@testable import comigs

/// A sweep writes only under its output folder (--out, else the file's `out`); the file's
/// `report` copy is written only into the file's own out once every point is finished; every
/// point is checked before the first one trains.
final class SweepOutputTests: ScratchFolderTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try Data(RunTests.tiny.utf8).write(to: URL(fileURLWithPath: dir + "/base.json"))
        try FileManager.default.createDirectory(atPath: dir + "/cwd", withIntermediateDirectories: true)
    }

    /// A two-point sweep file (relative `out` default and `report`), with extra variants.
    func sweepFile(_ extra: String = "") throws -> String {
        let file = dir + "/sweep.json"
        try Data("""
            {"name": "t", "scenario": "base.json", "set": {"rounds": 1, "local_steps": 1, "seeds": [0],
                                                         "model.base": "\(packageRoot)/models/synthetic-byte-tiny.safetensors"},
             "variants": [{"label": "FedAvg", "set": {"method.name": "fedavg"}}, {"label": "Local", "set": {"method.name": "local"}}\(extra)],
             "report": "published/t"}
            """.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// Every file under `path`, relative to it.
    func files(_ path: String) -> [String] {
        (FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []).sorted()
    }

    func testEverythingGoesUnderOutAndTheCopyOnlyWhenComplete() throws {
        let file = try sweepFile(), cwd = dir + "/cwd", elsewhere = dir + "/elsewhere"
        let status = try comigs(["sweep", file, "--out", elsewhere, "--status"], cwd: cwd)
        XCTAssertEqual(status.stdout.split(separator: "\n").last.map(String.init), "sbatch --array=0-1 scripts/slurm-sweep.sh \(file) --out \(elsewhere)")
        let r = try comigs(["sweep", file, "--out", elsewhere, "--quiet"], cwd: cwd)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(files(cwd), [], "nothing in the current folder")
        XCTAssertTrue(FileManager.default.fileExists(atPath: elsewhere + "/sweep.md"))
        XCTAssertTrue(r.stderr.contains("not copying the tables to published/t.md/.csv (the file's report): --out \(elsewhere) keeps every output under it"), r.stderr)

        // Into the file's own out: a shard leaves the copy alone until the sweep is complete.
        let shard = try comigs(["sweep", file, "--shard", "0/2", "--quiet"], cwd: cwd)
        XCTAssertEqual(shard.status, 0, shard.stderr)
        XCTAssertTrue(shard.stderr.contains("1 of 2 points are unfinished"), shard.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cwd + "/published"))
        let rest = try comigs(["sweep", file, "--shard", "1/2", "--quiet"], cwd: cwd)
        XCTAssertEqual(rest.status, 0, rest.stderr)
        XCTAssertEqual(files(cwd + "/published"), ["t.csv", "t.md"])
        XCTAssertEqual(try String(contentsOfFile: cwd + "/published/t.md", encoding: .utf8),
                       try String(contentsOfFile: cwd + "/runs/sweeps/t/sweep.md", encoding: .utf8))
    }

    func testEveryPointIsCheckedBeforeTheFirstTrains() throws {
        let named = try sweepFile(#", {"label": "away", "set": {"name": "../x"}}"#)
        let r = try comigs(["sweep", named, "--quiet"], cwd: dir + "/cwd")
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "comigs: point 2 (away): name: \"../x\" holds '/'; it names the run folders, so it must be one file name (no '/', '\\' or control characters)\n")
        XCTAssertEqual(files(dir + "/cwd"), [])

        let ranked = try sweepFile(#", {"label": "wide", "set": {"method.name": "hetlora", "method.rank": [8, 8, 8, 1024]}}"#)
        let w = try comigs(["sweep", ranked, "--quiet"], cwd: dir + "/cwd")
        XCTAssertEqual(w.status, 2)
        XCTAssertTrue(w.stderr.hasPrefix("comigs: point 2 (wide): method.rank: client 3 (client-3): LoRA rank 1024 exceeds 128 = min(in, out)"), w.stderr)
        XCTAssertEqual(files(dir + "/cwd"), [], "no point trained")

        let english = try sweepFile(#", {"label": "english", "set": {"model.base": "\#(packageRoot)/models/english-byte-tiny.safetensors"}}"#)
        let e = try comigs(["sweep", english, "--quiet"], cwd: dir + "/cwd")
        XCTAssertEqual(e.status, 2)
        XCTAssertTrue(e.stderr.hasPrefix("comigs: point 2 (english): model.base: \(packageRoot)/models/english-byte-tiny.safetensors learned English prose"), e.stderr)
        XCTAssertEqual(files(dir + "/cwd"), [], "no point trained")
    }

    func testShellQuotingOfTheSbatchLine() {
        XCTAssertEqual(SweepCommand.shellQuoted("runs/a-b_c.1"), "runs/a-b_c.1")
        XCTAssertEqual(SweepCommand.shellQuoted("my runs/it's"), "'my runs/it'\\''s'")
    }
}
