import Foundation
import Simulator
import Tensor

enum EvalCommand {
    static let usage = """
        usage: comigs eval --checkpoint FILE.safetensors|HF_FOLDER --data FILE.bin [--context N] [--batch B]

        Exact mean cross-entropy and perplexity of the model over all full non-overlapping
        windows of a uint16 token file: window w has inputs data[wT ..< wT+T] and targets
        data[wT+1 ... wT+T], for every w with wT + T < count; T = --context (default: the
        model's context). The last stdout line is JSON with keys loss, ppl, tokens.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--checkpoint", "--data", "--context", "--batch"])
        guard let ck = a.string("--checkpoint") else { throw UsageError(description: "eval: --checkpoint is required") }
        guard let data = a.string("--data") else { throw UsageError(description: "eval: --data is required") }
        let model: GPT
        do { model = try Checkpoint.loadAny(ck) } catch { throw UsageError(description: "--checkpoint: \(error)") }
        let t = try a.int("--context", default: model.config.blockSize, range: 1...model.config.blockSize)
        let batch = try a.int("--batch", default: 8, range: 1...4096)
        let tokens: [Int32]
        do { tokens = try TokenFile.read(data, vocab: model.config.vocabSize) } catch { throw UsageError(description: "--data: \(error)") }
        if let short = ClientData.shortfall(tokens.count, context: t) { throw UsageError(description: "--data: \(data) has \(short)") }
        let r = tokens.withUnsafeBufferPointer { Evaluation.evaluate(model, tokens: $0, context: t, batch: batch) }
        note("\(ck) on \(data): \(r.tokens) tokens, loss \(r.loss), ppl \(r.ppl)")
        try printJSON(r)
    }
}
