import Foundation
import XCTest
@testable import comigs
@testable import Experiments
@testable import Simulator
@testable import Tensor

/// Issue 28, items 2 and 5: where real use begins, an error says what to do — too little
/// pretraining text, a device short of memory, a CSV row without a label, an async run that can
/// never progress, a sweep point half done — and every exit code is in one table.
final class ActionableErrorsTests: ScratchFolderTestCase {
    func assertOneLine(_ r: (status: Int32, stdout: String, stderr: String), exit: ExitCode, contains: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, exit.rawValue, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.filter { $0 == "\n" }.count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(contains), "\(r.stderr) lacks \(contains)", file: file, line: line)
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    // MARK: - Pretraining text and the one-window rule

    /// `data synth --pretrain-tokens 100` would write 90 + 10 tokens, less than a window of the
    /// bundled bases' context: refused before anything is written. 10·(128 + 1) is the least M.
    func testSynthRefusesTooFewPretrainingTokens() throws {
        let r = try comigs(["data", "synth", "--pretrain-tokens", "100", "--out", dir + "/synth"])
        assertOneLine(r, exit: .badInput, contains: "comigs: --pretrain-tokens 100: pretrain_train.bin has 90 tokens, fewer than one window of "
                      + "129 (context 128 + 1); nothing written (give at least 1290, 0 for none, or a shorter --context)")
        XCTAssertFalse(exists(dir + "/synth"), "nothing written")
        let valid = try comigs(["data", "synth", "--pretrain-tokens", "1289", "--out", dir + "/synth"])
        assertOneLine(valid, exit: .badInput, contains: "pretrain_valid.bin has 128 tokens, fewer than one window of 129")
        XCTAssertFalse(exists(dir + "/synth"))
        let enough = try comigs(["data", "synth", "--pretrain-tokens", "1290", "--out", dir + "/synth"])
        XCTAssertEqual(enough.status, 0, enough.stderr)
        XCTAssertEqual(try TokenFile.read(dir + "/synth/4/pretrain_valid.bin", vocab: 256).count, 129)
        let none = try comigs(["data", "synth", "--pretrain-tokens", "0", "--out", dir + "/none"])
        XCTAssertEqual(none.status, 0, none.stderr)
        XCTAssertFalse(exists(dir + "/none/4/pretrain_train.bin"))
    }

    /// A synthetic folder (context 16) with pretraining files of the given lengths.
    func folder(train: Int, valid: Int) throws -> String {
        let out = dir + "/pre-\(train)-\(valid)"
        let r = try comigs(["data", "synth", "--pretrain-tokens", "0", "--tokens", "2000", "--context", "16", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = SyntheticCorpus(SyntheticCorpus.Spec()).generalText(tokens: train + valid, stream: "test")
        try TokenFile.write(Array(text[..<train]), to: out + "/4/pretrain_train.bin")
        try TokenFile.write(Array(text[train...]), to: out + "/4/pretrain_valid.bin")
        return out
    }

    /// `pretrain` on a training file shorter than one window crashed (a precondition, exit 132);
    /// on a short valid file it trained, saved, then exited 3 with "valid loss nan". Both are
    /// exit 2 now, naming the file and its tokens, with nothing trained or saved; the rule is the
    /// config's context (byte-mini's 64 accepts the 100-token valid file byte-tiny's 128 refuses).
    func testPretrainRefusesFilesShorterThanOneWindow() throws {
        let model = dir + "/base.safetensors"
        let shortTrain = try folder(train: 100, valid: 200)
        assertOneLine(try comigs(["pretrain", "--data", shortTrain, "--steps", "1", "--out", model]), exit: .badInput,
                      contains: "comigs: --data: \(shortTrain)/4/pretrain_train.bin has 100 tokens, fewer than one window of 129 "
                      + "(context 128 + 1); nothing trained")
        let shortValid = try folder(train: 1000, valid: 100)
        assertOneLine(try comigs(["pretrain", "--data", shortValid, "--steps", "1", "--out", model]), exit: .badInput,
                      contains: "comigs: --data: \(shortValid)/4/pretrain_valid.bin has 100 tokens, fewer than one window of 129")
        XCTAssertFalse(exists(model), "nothing saved")
        let mini = try comigs(["pretrain", "--data", shortValid, "--config", "byte-mini", "--steps", "1", "--batch", "2", "--out", model])
        XCTAssertEqual(mini.status, 0, mini.stderr)
        XCTAssertTrue(exists(model))
    }

    /// `data prepare` checks the pretraining prose it would write too, before writing anything.
    func testPrepareRefusesTooLittlePretrainingProse() throws {
        let cache = dir + "/cache"
        let prose = (0..<40).map { String(format: "Paragraph %02d: the quick brown fox jumps over a dog.\n\n", $0) }.joined()
        let files = ["debian-reference-en/usr/share/debian-reference/debian-reference.en.txt.gz": prose,
                     "gnu-standards/usr/share/doc/gnu-standards/standards.text.gz": "", "gnu-standards/usr/share/doc/gnu-standards/maintain.text.gz": "",
                     "dict-foldoc/usr/share/dictd/foldoc.dict.dz": ""]
        for (path, text) in files {
            let file = cache + "/" + path
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: file + ".txt", atomically: true, encoding: .utf8)
            XCTAssertEqual(try shell("gzip -c '\(file).txt' > '\(file)'").status, 0)
        }
        let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
        let rows = ["a", "b"].flatMap { l in (0..<30).map { i in l + "," + (0..<40).map { words[($0 * 7 + i) % 8] }.joined(separator: " ") } }
        try (["label,text"] + rows).joined(separator: "\n").write(toFile: dir + "/c.csv", atomically: true, encoding: .utf8)
        let args = ["data", "prepare", "labelled", "--csv", dir + "/c.csv", "--cache", cache]
        assertOneLine(try comigs(args + ["--out", dir + "/out"]), exit: .badInput,
                      contains: "comigs: pretraining prose in \(cache): pretrain_valid.bin has 104 tokens, fewer than one window of 129 "
                      + "(context 128 + 1); nothing written")
        XCTAssertFalse(exists(dir + "/out"), "nothing written")
        let shorter = try comigs(args + ["--out", dir + "/out", "--context", "64"])
        XCTAssertEqual(shorter.status, 0, shorter.stderr)
        XCTAssertEqual(try TokenFile.read(dir + "/out/2/pretrain_valid.bin", vocab: 256).count, 104)
    }

    // MARK: - Memory

    /// A comigs client with 1 generalist and 4 specialists on a device given `memoryMiB`.
    func preflight(memoryMiB: Double, _ overrides: [String] = []) throws {
        let base = try JSON.parse(Data("""
            {"numerics": false, "model": {"base": "\(packageRoot)/models/synthetic-byte-tiny.safetensors", "context": 16},
             "clients": [{"device": "low", "memory_mib": \(memoryMiB)}, {"device": "mid"}],
             "method": {"name": "comigs", "generalists": 1, "specialists": 4}}
            """.utf8))
        try RunInputs.preflight(try Scenario.make(base, overrides: overrides).config)
    }

    func memoryError(memoryMiB: Double, _ overrides: [String] = []) -> (message: String, mib: Double) {
        do {
            try preflight(memoryMiB: memoryMiB, overrides)
            XCTFail("\(memoryMiB) MiB \(overrides) ran")
            return ("", 0)
        } catch {
            let m = "\(error)"
            let mib = m.range(of: #"needs [0-9.]+ MiB"#, options: .regularExpression).map { Double(m[$0].dropFirst(6).dropLast(4))! } ?? 0
            return (m, mib)
        }
    }

    /// With fit_specialists the error quoted the full configuration's memory although the
    /// fitted one runs in less; it quotes the least now, and that much memory runs. Fitting is
    /// suggested only when it makes the client fit: never with 0 specialists, never when not
    /// even the fewest fit, and following the suggestion runs.
    func testMemoryErrorQuotesWhatWouldRunAndSuggestsOnlyWhatHelps() throws {
        let full = memoryError(memoryMiB: 1)
        let fitted = memoryError(memoryMiB: 1, ["method.fit_specialists=true"])
        XCTAssertTrue(fitted.message.contains("(comigs with 0 specialist(s), the fewest method.fit_specialists leaves; micro_batch 8, context 16) "
                                              + "but its low device has 1.0 MiB"), fitted.message)
        XCTAssertLessThan(fitted.mib, full.mib)
        XCTAssertFalse(full.message.contains("set method.fit_specialists"), "fitting cannot help at 1 MiB: \(full.message)")
        // The quoted number is what runs: its value (rounded up to the printed 0.1 MiB) is enough, 0.1 MiB less is not.
        XCTAssertNoThrow(try preflight(memoryMiB: fitted.mib + 0.05, ["method.fit_specialists=true"]))
        XCTAssertEqual(memoryError(memoryMiB: fitted.mib - 0.1, ["method.fit_specialists=true"]).mib, fitted.mib)
        XCTAssertNoThrow(try preflight(memoryMiB: full.mib + 0.05))
        // Between the two, fitting helps, and is offered with the count it would leave.
        let between = memoryError(memoryMiB: fitted.mib + 0.05)
        XCTAssertEqual(between.mib, full.mib)
        XCTAssertTrue(between.message.hasSuffix("(set method.fit_specialists to train it with 0 of its 4 specialists)"), between.message)
        // With 0 specialists there is nothing to fit: no suggestion, whatever the memory.
        let none = memoryError(memoryMiB: fitted.mib - 0.1, ["method.specialists=0"])
        XCTAssertEqual(none.mib, fitted.mib)
        XCTAssertFalse(none.message.contains("fit_specialists"), none.message)
    }

    // MARK: - CSV labels

    /// A row whose label is empty said "expected a label and at least one text column, got 2
    /// column(s)"; it says "empty label", naming the file and the line.
    func testEmptyLabelIsNamed() throws {
        for (text, line) in [("label,text\na,hello\n,world\n", 3), ("a,hello\n  ,world\n", 2)] {
            try text.write(toFile: dir + "/e.csv", atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Corpora.labelled(csv: dir + "/e.csv")) {
                XCTAssertEqual("\($0)", "\(dir)/e.csv: line \(line): empty label (the first column is the row's label; give every row one)")
            }
        }
        let r = try comigs(["data", "prepare", "labelled", "--csv", dir + "/e.csv", "--out", dir + "/out"])
        assertOneLine(r, exit: .badInput, contains: "e.csv: line 2: empty label")
    }

    // MARK: - Stalled async runs and exit codes

    /// An async run whose devices are never on long enough for a round exited 3, the code for
    /// divergence; it stops with its own code, proven at once, and keeps what it wrote.
    func testStalledAsyncRunHasItsOwnExitCode() throws {
        try "device_id,gflops,upload_mbps,download_mbps,memory_mib\na,10,10,10,4000\nb,10,10,10,4000\n"
            .write(toFile: dir + "/devices.csv", atomically: true, encoding: .utf8)
        try "device_id,period_s,start_s,end_s\na,86400,0,0.5\nb,86400,3600,3600.2\nb,86400,7200,7201\n"
            .write(toFile: dir + "/availability.csv", atomically: true, encoding: .utf8)
        try """
            {"name": "stall", "rounds": 3, "local_steps": 1, "numerics": false, "method": {"name": "fedavg"},
             "model": {"base": "\(packageRoot)/models/synthetic-byte-tiny.safetensors"},
             "clients": {"count": 2, "trace": "\(dir)/devices.csv", "availability": "\(dir)/availability.csv", "replace": false},
             "policy": {"name": "async", "buffer": 1}}
            """.write(toFile: dir + "/s.json", atomically: true, encoding: .utf8)
        let r = try comigs(["run", dir + "/s.json", "--out", dir + "/runs", "--quiet"])
        assertOneLine(r, exit: .stalled, contains: "comigs: run stalled: no update can ever reach the server: 2 client(s) are never on long "
                      + "enough for a round (client 0: its longest active stretch is 0.5 s, its round takes at least ")
        XCTAssertEqual(ExitCode.stalled.rawValue, 4)
        XCTAssertTrue(exists(dir + "/runs/stall-fedavg-seed0/events.jsonl"), "what was written stays")
        XCTAssertFalse(exists(dir + "/runs/stall-fedavg-seed0/summary.json"))
    }

    /// One table: `comigs help` prints it, README copies it row for row, and every error kind maps to its code.
    func testExitCodesAreOneTable() throws {
        let help = try comigs(["help"])
        XCTAssertTrue(help.stdout.contains("exit codes (an error is one line on stderr):\n" + ExitCode.table), help.stdout)
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        for code in ExitCode.allCases { XCTAssertTrue(readme.contains("| \(code.rawValue) | \(code.meaning) |"), "README lacks code \(code.rawValue)") }
        XCTAssertEqual(ExitCode.allCases.map(\.rawValue), [0, 1, 2, 3, 4])
        let kinds: [(any Error, ExitCode)] = [(GoldenMismatch(description: ""), .checkFailed), (CheckFailed(description: ""), .checkFailed),
                                              (UsageError(description: ""), .badInput), (ScenarioError(key: "k", reason: ""), .badInput),
                                              (TrainingDiverged(description: ""), .diverged), (NonFiniteOutput(description: ""), .diverged),
                                              (RunStalled(description: ""), .stalled)]
        for (error, code) in kinds { XCTAssertEqual(ExitCode.of(error), code, "\(type(of: error))") }
    }

    // MARK: - Sweep status

    /// A point whose first seed has a resumable run and whose second has not started was called
    /// "missing" though a re-run resumes it: it is "interrupted", and stays on the sbatch line.
    func testPointWithAnyResumableSeedIsInterrupted() throws {
        try Data(RunTests.tiny.utf8).write(to: URL(fileURLWithPath: dir + "/base.json"))
        try Data(#"{"name": "t", "scenario": "base.json", "set": {"rounds": 1, "seeds": [0, 1]}, "out": "\#(dir)/out"}"#.utf8)
            .write(to: URL(fileURLWithPath: dir + "/sweep.json"))
        let point = try Sweep.load(dir + "/sweep.json").points[0]
        try FileManager.default.createDirectory(atPath: point.runs[0], withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: point.runs[0] + "/scenario.json"))
        XCTAssertEqual(point.runs.map(Sweep.RunStatus.of), [.interrupted, .missing])
        XCTAssertEqual(point.state, .interrupted)
        let status = try comigs(["sweep", dir + "/sweep.json", "--status"])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.hasPrefix("0\tinterrupted\t0/2 seeds\t"), status.stdout)
        XCTAssertTrue(status.stdout.contains("1 points: 0 finished, 0 running, 1 interrupted, 0 missing"), status.stdout)
        XCTAssertTrue(status.stdout.contains("sbatch --array=0 "), status.stdout)
        // Every combination: finished only when all are, interrupted when any is resumable,
        // else missing when any is yet to start, else running.
        XCTAssertEqual(Sweep.RunStatus.point([.finished, .finished]), .finished)
        XCTAssertEqual(Sweep.RunStatus.point([.running, .missing]), .missing)
        XCTAssertEqual(Sweep.RunStatus.point([.missing, .running, .interrupted]), .interrupted)
        XCTAssertEqual(Sweep.RunStatus.point([.finished, .running]), .running)
    }
}
