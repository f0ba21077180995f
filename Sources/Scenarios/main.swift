import Foundation
import Simulator
import Tensor

/// The `comigs` command: thin glue over the library (DESIGN §1).
let usage = """
    usage: comigs <command> [options]

    commands:
      bench engine [--config gpt-tiny|comigs-tiny|all] [--threads N] [--steps S]
                  time training steps; last line is JSON (config, threads, ms_per_step,
                  tokens_per_s, gflops, blas_core). Without --config/--threads: both
                  configs at 1 and 2 threads.
      eval --checkpoint FILE.safetensors|HF_FOLDER --data FILE.bin [--context N] [--batch B]
                  exact mean cross-entropy and perplexity over all full windows of the
                  file; last line is JSON (loss, ppl, tokens).
      help        this text
    """

func printJSON<T: Encodable>(_ v: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.sortedKeys]
    print(String(decoding: try enc.encode(v), as: UTF8.self))
}

func bench(_ args: [String]) throws {
    let a = try Arguments(args, valued: ["--config", "--threads", "--steps"])
    guard a.positional == ["engine"] else { throw UsageError(description: "bench: expected 'bench engine'") }
    let configs = a.string("--config").map { $0 == "all" ? EngineBenchmark.configs : [$0] } ?? EngineBenchmark.configs
    for c in configs where EngineBenchmark.adapters(for: c) == nil {
        throw UsageError(description: "--config: unknown config '\(c)' (known: \(EngineBenchmark.configs.joined(separator: ", ")), all)")
    }
    let threads = a.string("--threads") != nil ? [try a.int("--threads", default: 1, range: 1...64)] : [1, 2]
    let steps = try a.int("--steps", default: 20, range: 1...100_000)
    for c in configs {
        for t in threads {
            let r = try EngineBenchmark.run(config: c, threads: t, steps: steps)
            FileHandle.standardError.write(Data(String(format: "%@ threads=%d: %.1f ms/step, %.0f tokens/s, %.1f GFLOP/s (BLAS core %@)\n",
                                                       c, t, r.ms_per_step, r.tokens_per_s, r.gflops, r.blas_core).utf8))
            try printJSON(r)
        }
    }
}

func eval(_ args: [String]) throws {
    let a = try Arguments(args, valued: ["--checkpoint", "--data", "--context", "--batch"])
    guard let ck = a.string("--checkpoint") else { throw UsageError(description: "eval: --checkpoint is required") }
    guard let data = a.string("--data") else { throw UsageError(description: "eval: --data is required") }
    BLAS.useSingleThread()
    let model = try Checkpoint.loadAny(ck)
    let t = try a.int("--context", default: model.config.blockSize, range: 1...model.config.blockSize)
    let tokens = try TokenFile.read(data, vocab: model.config.vocabSize)
    let r = tokens.withUnsafeBufferPointer {
        Evaluation.evaluate(model, tokens: $0, context: t, batch: (try? a.int("--batch", default: 8, range: 1...4096)) ?? 8)
    }
    FileHandle.standardError.write(Data("\(ck) on \(data): \(r.tokens) tokens, loss \(r.loss), ppl \(r.ppl)\n".utf8))
    try printJSON(r)
}

let argv = Array(CommandLine.arguments.dropFirst())
do {
    switch argv.first {
    case "bench": try bench(Array(argv.dropFirst()))
    case "eval": try eval(Array(argv.dropFirst()))
    case "help", "--help", "-h", nil: print(usage)
    default: throw UsageError(description: "unknown command '\(argv[0])'; see 'comigs help'")
    }
} catch {
    FileHandle.standardError.write(Data("comigs: \(error)\n".utf8))
    exit(2)
}
