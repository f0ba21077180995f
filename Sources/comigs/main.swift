import Experiments
import Foundation
import Tensor

/// The `comigs` command: thin glue over the library (docs/design.md §1).
let commands: [(name: String, summary: String, usage: String, run: ([String]) throws -> Void)] = [
    ("run", "run a scenario file: training, simulation, results folder", RunCommand.usage, RunCommand.run),
    ("sweep", "run a grid of scenario variants; skips finished runs; --shard I/N", SweepCommand.usage, SweepCommand.run),
    ("report", "mean ± std tables from finished runs", ReportCommand.usage, ReportCommand.run),
    ("plot", "SVG charts of run folders: perplexity against time and rounds, routing shares", PlotCommand.usage, PlotCommand.run),
    ("trace", "SVG of a text with each token coloured by the expert it chose", TraceCommand.usage, TraceCommand.run),
    ("golden", "re-run the golden routing traces and compare byte for byte (--update)", GoldenCommand.usage, GoldenCommand.run),
    ("bench", "time training steps of the engine (gpt-tiny, comigs-tiny)", BenchCommand.usage, BenchCommand.run),
    ("eval", "exact loss and perplexity of a checkpoint, or of a run's client, on a token file", EvalCommand.usage, EvalCommand.run),
    ("export", "write a run's client model out: a Hugging Face GPT-2 folder (merged), or base + adapters", ExportCommand.usage, ExportCommand.run),
    ("data", "make the synthetic corpus or prepare a real one", DataCommand.usage, DataCommand.run),
    ("pretrain", "pretrain a tiny base GPT on general text", PretrainCommand.usage, PretrainCommand.run),
]

let usage = "usage: comigs <command> [options]    (comigs help <command> for details)\n\ncommands:\n"
    + commands.map { "  \($0.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n")
    + "\n  help       this text; 'comigs help scenario' lists every scenario key"
    + "\n  --version  the version, the git commit it was built from (and whether the sources differed) and the compiler"
    + "\n\nOptions take their value as '--key value' or '--key=value'."
    + "\n\nexit codes (an error is one line on stderr):\n" + ExitCode.table

// A file-size limit (ulimit -f) must fail a write with an error, not kill the process.
signal(SIGXFSZ, SIG_IGN)
let argv = Array(CommandLine.arguments.dropFirst())
do {
    if let e = MatMul.environmentError { throw UsageError(description: e) }
    let names = commands.map(\.name)
    switch argv.first {
    case nil:
        throw Misuse(description: "expected a command (" + names.joined(separator: ", ") + ")").usageError(command: nil)
    case "help", "--help", "-h":
        switch argv.dropFirst().first {
        case nil: print(usage)
        case "scenario": print(argv.contains("--markdown") ? ScenarioDocs.markdown : ScenarioDocs.text)
        case let topic?:
            guard let c = commands.first(where: { $0.name == topic }) else {
                throw Misuse.unknown("help topic", topic, among: names + ["scenario"]).usageError(command: nil)
            }
            print(c.usage)
        }
    case "--version":
        print(Build.text)
    case let name?:
        guard let c = commands.first(where: { $0.name == name }) else {
            throw (name.hasPrefix("-") ? Misuse.unknown("option", name, meaning: Arguments.meant(name, among: ["--help", "--version"]))
                                       : Misuse.unknown("command", name, among: names)).usageError(command: nil)
        }
        if argv.contains("--help") || argv.contains("-h") {
            print(c.usage)
        } else {
            do { try c.run(Array(argv.dropFirst())) } catch let m as Misuse { throw m.usageError(command: name) }
        }
    }
} catch {
    FileHandle.standardError.write(Data("comigs: \(error)\n".utf8))
    exit(ExitCode.of(error).rawValue)
}
