import Foundation
import XCTest
@testable import comigs
@testable import Experiments

/// Command-line conventions: options as `--key value` or `--key=value`, unknown options (long or short)
/// named with the option they may mean, and every usage error one line on stderr, exit code 2:
/// "comigs: <command>: <problem>; see 'comigs help <command>'".
final class ArgumentsTests: XCTestCase {
    func testUnknownOptionIsNamed() {
        XCTAssertThrowsError(try Arguments(["--nope", "1"], valued: ["--steps"])) { e in
            XCTAssertEqual("\(e)", "unknown option '--nope'")
        }
        let a = try! Arguments(["engine", "--steps", "5"], valued: ["--steps"])
        XCTAssertEqual(a.positional, ["engine"])
        XCTAssertEqual(try a.int("--steps", default: 1, range: 1...10), 5)
        XCTAssertThrowsError(try a.int("--steps", default: 1, range: 6...10))
    }

    func testKeyEqualsValueForEveryValuedOption() throws {
        let a = try Arguments(["s.json", "--set=rounds=1", "--out=runs/a b", "--set", "method.lr=0.5", "--quiet"],
                              valued: ["--set", "--out"], switches: ["--quiet"])
        XCTAssertEqual(a.positional, ["s.json"])
        // Split at the first '=': the value keeps its own.
        XCTAssertEqual(a.all("--set"), ["rounds=1", "method.lr=0.5"])
        XCTAssertEqual(a.string("--out"), "runs/a b")
        XCTAssertTrue(a.has("--quiet"))
        XCTAssertThrowsError(try Arguments(["--out="], valued: ["--out"])) { XCTAssertEqual("\($0)", "'--out' needs a value after '='") }
        XCTAssertThrowsError(try Arguments(["--out"], valued: ["--out"])) { XCTAssertEqual("\($0)", "'--out' needs a value") }
        XCTAssertThrowsError(try Arguments(["--quiet=yes"], valued: [], switches: ["--quiet"])) {
            XCTAssertEqual("\($0)", "'--quiet' takes no value, got '--quiet=yes'")
        }
        XCTAssertThrowsError(try Arguments(["--sed=3"], valued: ["--seed", "--set"])) {
            XCTAssertEqual("\($0)", "unknown option '--sed' (did you mean '--seed'?)")
        }
    }

    func testNegativeNumbersAreValues() throws {
        let a = try Arguments(["--set", "x=-1", "--seed", "-3", "--lr=-0.5", "--steps", "-"], valued: ["--set", "--seed", "--lr", "--steps"])
        XCTAssertEqual(a.all("--set"), ["x=-1"])
        XCTAssertEqual(try a.int("--seed", default: 0, range: -10...10), -3)
        XCTAssertEqual(try a.double("--lr", default: 0, range: -1...1), -0.5)
        XCTAssertEqual(a.string("--steps"), "-")
        XCTAssertEqual(a.positional, [])
    }

    func testUnknownShortOptionIsAnOptionNotAnOperand() {
        let known: Set<String> = ["--out", "--seed", "--set", "--workers"]
        XCTAssertThrowsError(try Arguments(["s.json", "-q"], valued: known, switches: ["--quiet"])) {
            XCTAssertEqual("\($0)", "unknown option '-q' (did you mean '--quiet'?)")
        }
        // Two long options start with s: no guess.
        XCTAssertThrowsError(try Arguments(["s.json", "-s", "1"], valued: known)) { XCTAssertEqual("\($0)", "unknown option '-s'") }
        XCTAssertThrowsError(try Arguments(["-seed", "1"], valued: known)) { XCTAssertEqual("\($0)", "unknown option '-seed' (did you mean '--seed'?)") }
        // A lone '-' is an operand (the conventional name of standard input).
        XCTAssertEqual(try Arguments(["-"], valued: known).positional, ["-"])
    }

    func testNearMissesAreTyposNotGuesses() {
        let commands = ["run", "sweep", "report", "plot", "trace", "golden", "bench", "eval", "data", "pretrain"]
        XCTAssertEqual(Spelling.nearest("rnu", among: commands), "run")
        XCTAssertEqual(Spelling.nearest("sweeep", among: commands), "sweep")
        XCTAssertEqual(Spelling.nearest("pretrian", among: commands), "pretrain")
        XCTAssertNil(Spelling.nearest("xyz", among: commands))
        XCTAssertNil(Spelling.nearest("nosuch", among: commands))
        XCTAssertEqual(Spelling.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(Spelling.editDistance("", "abc"), 3)
        XCTAssertEqual(Spelling.editDistance("abc", ""), 3)
    }
}

/// The conventions through the `comigs` executable.
final class UsageErrorTests: ScratchFolderTestCase {
    /// Exit code 2, nothing on stdout, exactly `line` (plus its line break) on stderr.
    func assertUsageError(_ args: [String], _ line: String, file: StaticString = #filePath, line at: UInt = #line) throws {
        let r = try comigs(args)
        XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)", file: file, line: at)
        XCTAssertEqual(r.stdout, "", "\(args)", file: file, line: at)
        XCTAssertEqual(r.stderr, line + "\n", "\(args)", file: file, line: at)
    }

    /// The commands `comigs help` lists.
    func commandNames() throws -> [String] {
        let help = try comigs(["help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        let listed = help.stdout.split(separator: "\n").drop(while: { $0 != "commands:" }).dropFirst().prefix(while: { $0.hasPrefix("  ") })
        return listed.map { String($0.split(separator: " ")[0]) }.filter { $0 != "help" && $0 != "--version" }
    }

    func testNoArgumentsIsAUsageError() throws {
        let names = try commandNames()
        XCTAssertTrue(names.contains("run") && names.contains("pretrain"), "\(names)")
        try assertUsageError([], "comigs: expected a command (" + names.joined(separator: ", ") + "); see 'comigs help'")
        // Asked for, the help is output, not an error.
        for args in [["help"], ["--help"], ["-h"]] {
            let r = try comigs(args)
            XCTAssertEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stdout.hasPrefix("usage: comigs <command>"), "\(args): \(r.stdout)")
            XCTAssertEqual(r.stderr, "", "\(args)")
        }
    }

    func testUnknownHelpTopicIsAUsageError() throws {
        let names = try commandNames()
        try assertUsageError(["help", "nosuch"], "comigs: unknown help topic 'nosuch' (known: " + names.joined(separator: ", ") + ", scenario); see 'comigs help'")
        try assertUsageError(["help", "scenarios"], "comigs: unknown help topic 'scenarios' (did you mean 'scenario'?); see 'comigs help'")
        let scenario = try comigs(["help", "scenario", "--markdown"])
        XCTAssertEqual(scenario.status, 0, scenario.stderr)
        XCTAssertTrue(scenario.stdout.contains("| `rounds` |"), String(scenario.stdout.prefix(400)))
        let version = try comigs(["--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertTrue(version.stdout.hasPrefix("comigs "), version.stdout)
    }

    func testMistypedCommandGetsASuggestion() throws {
        try assertUsageError(["rnu", "s.json"], "comigs: unknown command 'rnu' (did you mean 'run'?); see 'comigs help'")
        try assertUsageError(["sweeep"], "comigs: unknown command 'sweeep' (did you mean 'sweep'?); see 'comigs help'")
        try assertUsageError(["--verison"], "comigs: unknown option '--verison' (did you mean '--version'?); see 'comigs help'")
        try assertUsageError(["help", "pretrian"], "comigs: unknown help topic 'pretrian' (did you mean 'pretrain'?); see 'comigs help'")
        // And a mistyped option of a command.
        try assertUsageError(["run", "s.json", "--wokers", "2"], "comigs: run: unknown option '--wokers' (did you mean '--workers'?); see 'comigs help run'")
    }

    /// `--set=rounds=1` and `--out=DIR` mean what `--set rounds=1` and `--out DIR` mean, and a negative
    /// value still reaches the check that names it.
    func testKeyEqualsValueRuns() throws {
        let file = dir + "/s.json"
        try Data(#"{"name": "cli", "numerics": false, "rounds": 3, "clients": 4}"#.utf8).write(to: URL(fileURLWithPath: file))
        let r = try comigs(["run", file, "--set=rounds=1", "--out=\(dir)/out", "--seed=2", "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "\(dir)/out/cli-comigs-seed2\n")
        let scenario = try Scenario.load("\(dir)/out/cli-comigs-seed2/scenario.json")
        XCTAssertEqual(scenario.config.schedule.rounds, 1)
        XCTAssertEqual(scenario.seeds, [2])
        let rounds = try String(contentsOfFile: "\(dir)/out/cli-comigs-seed2/rounds.jsonl", encoding: .utf8)
        XCTAssertEqual(rounds.split(separator: "\n").count, 1)
        let negative = try comigs(["run", file, "--set=clients.0.gflops=-1", "--out", "\(dir)/neg", "--quiet"])
        XCTAssertEqual(negative.status, 2)
        XCTAssertEqual(negative.stderr, "comigs: clients[0].gflops: -1.0 is out of range [0.001, 1000000]\n")
        try assertUsageError(["run", file, "--seed=-1"], "comigs: run: --seed: expected an integer in 0...2147483647, got '-1'; see 'comigs help run'")
    }

    func testUnknownShortOptionIsNamedNotTakenAsAFile() throws {
        try assertUsageError(["run", "s.json", "-q"], "comigs: run: unknown option '-q' (did you mean '--quiet'?); see 'comigs help run'")
        try assertUsageError(["eval", "-x"], "comigs: eval: unknown option '-x'; see 'comigs help eval'")
    }

    /// Every command reports a usage error the same way — one line naming the command and its help,
    /// never the usage text — and prints that text, on stdout, only when asked (--help, -h).
    func testEveryCommandReportsUsageErrorsTheSameWay() throws {
        let names = try commandNames()
        XCTAssertGreaterThanOrEqual(names.count, 10, "\(names)")
        for c in names {
            try assertUsageError([c, "--no-such-option"], "comigs: \(c): unknown option '--no-such-option'; see 'comigs help \(c)'")
            for flag in ["--help", "-h"] {
                let h = try comigs([c, flag])
                XCTAssertEqual(h.status, 0, "\(c) \(flag): \(h.stderr)")
                XCTAssertTrue(h.stdout.hasPrefix("usage: comigs \(c)"), "\(c) \(flag): \(h.stdout.prefix(200))")
            }
        }
        // A missing or stray operand, a missing required option: the same one line.
        let cases: [([String], String)] = [
            (["run"], "run: expected one scenario file"),
            (["run", "a.json", "b.json"], "run: expected one scenario file"),
            (["sweep"], "sweep: expected one sweep file"),
            (["report"], "report: expected at least one folder"),
            (["plot"], "plot: at least one RUN_DIR is required"),
            (["trace"], "trace: exactly one RUN_DIR is required"),
            (["golden", "extra"], "golden: unexpected operand 'extra'"),
            (["bench"], "bench: expected a subcommand (engine, gemm, kernels, eval, events, workers, methods)"),
            (["bench", "engin"], "bench: unknown subcommand 'engin' (did you mean 'engine'?)"),
            (["bench", "kernels", "extra"], "bench: unexpected operand 'extra'"),
            (["eval", "--data", "x.bin"], "eval: --checkpoint or --run is required"),
            (["eval", "--run", "runs/a"], "eval: --run needs --client I"),
            (["export", "--client", "0"], "export: --run is required"),
            (["export", "--run", "runs/a", "extra"], "export: unexpected operand 'extra'"),
            (["data"], "data: expected a subcommand (synth, prepare)"),
            (["data", "prepare", "agnew"], "data: unknown corpus 'agnew' (did you mean 'agnews'?)"),
            (["data", "prepare", "agnews"], "data: prepare agnews: --csv FILE is required: " + Corpora.agnewsSource),
            (["pretrain", "--out", "m.safetensors"], "pretrain: --data is required"),
        ]
        for (args, problem) in cases {
            let c = args[0]
            try assertUsageError(args, "comigs: \(problem); see 'comigs help \(c)'")
        }
    }
}
