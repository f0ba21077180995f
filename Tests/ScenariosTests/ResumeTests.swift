import Foundation
import Tensor
import XCTest
@testable import Experiments

/// Issue 8: a killed run resumes to exactly the files of an uninterrupted one;
/// a full disk and a diverging run stop with a clear message and lose nothing.
final class ResumeTests: XCTestCase {
    /// CoMiGS with frequent router updates (two optimizers per client) and a
    /// checkpoint after every round, so kills land before, between and after checkpoints.
    static let scenario = """
        {"name": "resume", "rounds": 6, "local_steps": 2, "batch": 8, "eval_windows": 16, "checkpoint_every": 1,
         "method": {"name": "comigs", "router_every": 3, "router_iters": 2},
         "data": {"synthetic": {"tokens": 20000}},
         "clients": [{"device": "low"}, {"device": "mid"}, {"device": "high"}, {"device": "mid", "availability": 0.7}],
         "heterogeneity": {"straggler": {"kind": "lognormal", "sigma": 0.5}, "dropout": {"failure": 0.2}}}
        """
    func lines(_ path: String) -> Int {
        (try? Data(contentsOf: URL(fileURLWithPath: path)))?.reduce(0) { $0 + ($1 == 10 ? 1 : 0) } ?? 0
    }

    func testKilledRunsResumeToIdenticalFiles() throws {
        let dir = try temporaryDirectory("resume")
        let file = dir + "/s.json"
        try Data(Self.scenario.utf8).write(to: URL(fileURLWithPath: file))
        let full = try comigs(["run", file, "--out", dir + "/full", "--quiet"], cwd: packageRoot)
        XCTAssertEqual(full.status, 0, full.stderr)
        let reference = full.stdout.trimmingCharacters(in: .newlines)
        XCTAssertFalse(FileManager.default.fileExists(atPath: reference + "/checkpoints"), "a complete run keeps no checkpoints")
        let totalEvents = lines(reference + "/events.jsonl")
        guard let exe = comigsExecutable() else { throw XCTSkip("comigs not built") }
        var killedMidway = 0
        for k in 0..<5 {
            // Kill once the timeline has reached 5%, 25%, 45%, 65% or 85% of its events, plus k·23 ms.
            let target = totalEvents * (5 + 20 * k) / 100
            let run = dir + "/cut\(k)/resume-comigs-seed0"
            let p = Process()
            p.executableURL = exe
            p.arguments = ["run", file, "--out", dir + "/cut\(k)", "--quiet"]
            p.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            while p.isRunning && lines(run + "/events.jsonl") < target { usleep(2000) }
            usleep(useconds_t(k * 23_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let midway = !FileManager.default.fileExists(atPath: run + "/summary.json")
            if midway { killedMidway += 1 }
            if k == 2 {
                // A crash mid-write leaves a torn last line: resume must drop it.
                let h = try FileHandle(forWritingTo: URL(fileURLWithPath: run + "/events.jsonl"))
                try h.seekToEnd()
                try h.write(contentsOf: Data(#"{"t_us":12"#.utf8))
                try h.close()
            }
            // As a comigs that wrote no provenance.json left the folder.
            if k == 3, midway { try FileManager.default.removeItem(atPath: run + "/" + Provenance.file) }
            let r = try comigs(["run", file, "--resume", run, "--quiet"], cwd: packageRoot)
            XCTAssertEqual(r.status, 0, r.stderr)
            try assertSameRunFolder(reference, run, "killed at point \(k)")
            // The killed session left no wall time; the resuming one records where it started.
            let sessions = try JSON.parse(Data(contentsOf: URL(fileURLWithPath: run + "/" + Provenance.file)))["sessions"]?.arrayValue ?? []
            XCTAssertEqual(sessions.count, midway ? 2 : 1, "one session per process that worked on the run")
            if midway, sessions.count == 2 {
                XCTAssertEqual(sessions[0]["wall_time_s"], .null)
                XCTAssertEqual(sessions[0]["from_round"], k == 3 ? nil : .int(0))
                XCTAssertEqual(sessions[0]["comigs_version"], k == 3 ? .null : .string(Build.version))
                XCTAssertNotNil(sessions[1]["from_round"]?.doubleValue)
                XCTAssertNotNil(sessions[1]["wall_time_s"]?.doubleValue)
                XCTAssertNil(Provenance.wallTime(run), "a killed session's time is unknown")
            }
        }
        XCTAssertGreaterThanOrEqual(killedMidway, 4, "the kills should land before the run finishes")
    }

    /// A sweep killed mid-run and started again loses no row and duplicates none.
    func testInterruptedSweepResumesWithoutLostOrDuplicatedRows() throws {
        let dir = try temporaryDirectory("sweep-kill")
        try Data(Self.scenario.utf8).write(to: URL(fileURLWithPath: dir + "/base.json"))
        let sweep = dir + "/sweep.json"
        try Data("""
            {"name": "k", "scenario": "base.json", "set": {"rounds": 3},
             "variants": [{"label": "A", "set": {"method.name": "fedavg"}}, {"label": "B", "set": {"method.name": "comigs"}}],
             "axes": {"seeds": [[0], [1]]}, "out": "\(dir)/out"}
            """.utf8).write(to: URL(fileURLWithPath: sweep))
        guard let exe = comigsExecutable() else { throw XCTSkip("comigs not built") }
        let p = Process()
        p.executableURL = exe
        p.arguments = ["sweep", sweep, "--quiet"]
        p.currentDirectoryURL = URL(fileURLWithPath: packageRoot)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Kill once the second run has written a checkpoint (the first is finished by then).
        let second = dir + "/out/001-a_seeds__1_/resume-fedavg-seed1"
        while p.isRunning && !FileManager.default.fileExists(atPath: second + "/checkpoints") { usleep(2000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: second + "/summary.json"), "killed too late")
        let again = try comigs(["sweep", sweep, "--quiet"], cwd: packageRoot)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("resume \(second)"), again.stderr)
        let rows = try String(contentsOfFile: dir + "/out/sweep.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(Set(rows.map { $0.split(separator: ",").prefix(3).joined(separator: ",") }).count, 4)
        // The resumed run is the run an uninterrupted sweep makes.
        let alone = try comigs(["run", dir + "/base.json", "--out", dir + "/alone", "--quiet", "--set", "rounds=3", "--set", "method.name=fedavg",
                                "--set", "seeds=[1]", "--set", "label=\"A seeds=[1]\""], cwd: packageRoot)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: alone.stdout.trimmingCharacters(in: .newlines) + "/metrics.jsonl")),
                       try Data(contentsOf: URL(fileURLWithPath: second + "/metrics.jsonl")))
    }

    func testResumeRefusesADifferentScenario() throws {
        let dir = try temporaryDirectory("resume-other")
        let file = dir + "/s.json"
        try Data(Self.scenario.utf8).write(to: URL(fileURLWithPath: file))
        let r = try comigs(["run", file, "--out", dir, "--quiet", "--set", "rounds=1"], cwd: packageRoot)
        let other = try comigs(["run", file, "--resume", r.stdout.trimmingCharacters(in: .newlines), "--set", "rounds=2"], cwd: packageRoot)
        XCTAssertEqual(other.status, 2)
        XCTAssertTrue(other.stderr.contains("ran a different scenario"), other.stderr)
    }

    /// A file-size limit (as a full disk would) stops the run with a message naming the
    /// file; resuming without the limit finishes it exactly.
    func testFullDiskStopsClearlyAndResumes() throws {
        let dir = try temporaryDirectory("diskfull")
        let file = dir + "/s.json"
        try Data(Self.scenario.utf8).write(to: URL(fileURLWithPath: file))
        let full = try comigs(["run", file, "--out", dir + "/full", "--quiet"], cwd: packageRoot)
        guard let exe = comigsExecutable() else { throw XCTSkip("comigs not built") }
        // 512 KiB per file: the JSONL files fit, a checkpoint's tensors do not.
        let limited = try shell("ulimit -f 512; exec '\(exe.path)' run '\(file)' --out '\(dir)/cut' --quiet", cwd: packageRoot)
        XCTAssertEqual(limited.status, 2, limited.stderr)
        XCTAssertTrue(limited.stderr.contains("state.safetensors") && limited.stderr.contains("write failed"), limited.stderr)
        let run = dir + "/cut/resume-comigs-seed0"
        XCTAssertFalse(FileManager.default.fileExists(atPath: run + "/summary.json"))
        let r = try comigs(["run", file, "--resume", run, "--quiet", "--set", "checkpoint_every=0"], cwd: packageRoot)
        XCTAssertEqual(r.status, 2, "checkpoint_every is part of the scenario: " + r.stderr)
        let resumed = try comigs(["run", file, "--resume", run, "--quiet"], cwd: packageRoot)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        try assertSameRunFolder(full.stdout.trimmingCharacters(in: .newlines), run, "after a full disk")
    }

    /// A finite base on the edge of float range (one final-norm gain of 1.5e38; a NaN
    /// would be refused at load) overflows once training moves the activations: exit 3,
    /// naming client, round, step and parameter role; what was written before stays.
    func testNonFiniteTrainingStopsWithExitThree() throws {
        let dir = try temporaryDirectory("nan")
        let base = try Checkpoint.load(packageRoot + "/models/synthetic-byte-tiny.safetensors")
        let gain = base.parameters.first { $0.name == "transformer.ln_f.weight" }!
        gain.value.ptr[3] = 1.22e38
        try Checkpoint.save(base, to: dir + "/nan.safetensors")
        let file = dir + "/s.json"
        try Data(Self.scenario.utf8).write(to: URL(fileURLWithPath: file))
        let r = try comigs(["run", file, "--out", dir, "--quiet", "--set", "model.base=\"\(dir)/nan.safetensors\""], cwd: packageRoot)
        XCTAssertEqual(r.status, 3, r.stderr)
        XCTAssertTrue(r.stderr.contains("training diverged: client 1, round 1, step 3: non-finite gradient in"), r.stderr)
        XCTAssertTrue(r.stderr.contains("LoRA"), r.stderr)
        let run = dir + "/resume-comigs-seed0"
        XCTAssertEqual(lines(run + "/metrics.jsonl"), 8, "the evaluations before training and after round 0 stay")
        XCTAssertFalse(FileManager.default.fileExists(atPath: run + "/summary.json"))

        // A gain of 2e38 overflows already in the evaluation before training: exit 3 naming
        // the client and the round, and no line with a null loss.
        gain.value.ptr[3] = 1.3e38
        try Checkpoint.save(base, to: dir + "/edge.safetensors")
        let early = try comigs(["run", file, "--out", dir + "/early", "--quiet", "--set", "model.base=\"\(dir)/edge.safetensors\""], cwd: packageRoot)
        XCTAssertEqual(early.status, 3, early.stderr)
        XCTAssertTrue(early.stderr.contains("client 0: test loss is nan after round 0"), early.stderr)
        XCTAssertEqual(lines(dir + "/early/resume-comigs-seed0/metrics.jsonl"), 0)
    }
}
