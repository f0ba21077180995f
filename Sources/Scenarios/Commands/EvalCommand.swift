import Foundation
import Simulator
import Tensor

enum EvalCommand {
    static let usage = """
        usage: comigs eval --checkpoint FILE.safetensors|HF_FOLDER --data FILE.bin [--context N] [--batch B]

        Exact mean cross-entropy and perplexity of the model over all full non-overlapping
        windows of a uint16 token file: window w has inputs data[wT ..< wT+T] and targets
        data[wT+1 ... wT+T], for every w with wT + T < count; T = --context (default: the
        model's context). The last stdout line is JSON with keys loss, ppl, tokens and
        unigram_ppl: a unigram model (add-one smoothing) of the client's training split when
        FILE is a split of a prepared folder (train_<i>.bin beside it), else of FILE itself,
        on the same windows. A model worse than it does not fit the data: a warning on
        stderr says so. When FILE's folder has a meta.json recording its general language
        and the checkpoint records another, the exit code is 2.
        """

    /// The JSON line `eval` prints.
    struct Output: Codable {
        var loss: Double
        var ppl: Double
        var tokens: Int
        var unigram_ppl: Double
    }

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--checkpoint", "--data", "--context", "--batch"])
        try a.refuseOperands(beyond: 0)
        guard let ck = a.string("--checkpoint") else { throw Misuse(description: "--checkpoint is required") }
        guard let data = a.string("--data") else { throw Misuse(description: "--data is required") }
        let model: GPT, metadata: [String: String]
        do { (model, metadata) = try Checkpoint.loadAnyRecorded(ck) } catch { throw UsageError(description: "--checkpoint: \(error)") }
        let t = try a.int("--context", default: model.config.blockSize, range: 1...model.config.blockSize)
        let batch = try a.int("--batch", default: 8, range: 1...4096)
        let tokens: [Int32]
        do { tokens = try TokenFile.read(data, vocab: model.config.vocabSize) } catch { throw UsageError(description: "--data: \(error)") }
        if let short = ClientData.shortfall(tokens.count, context: t) { throw UsageError(description: "--data: \(data) has \(short)") }
        let folder = (data as NSString).deletingLastPathComponent, file = (data as NSString).lastPathComponent
        let meta = try? JSONDecoder().decode(DatasetMeta.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/meta.json")))
        if let learned = metadata[GeneralLanguage.key], let spoken = meta?.parameters[GeneralLanguage.key], learned != spoken {
            throw UsageError(description: "--checkpoint: \(ck) learned \(GeneralLanguage.describe(learned)), but \(folder)/meta.json records "
                             + "\(GeneralLanguage.describe(spoken))" + (GeneralLanguage.bases(for: spoken).map { "; a base that learned it: \($0)" } ?? ""))
        }
        let r = tokens.withUnsafeBufferPointer { Evaluation.evaluate(model, tokens: $0, context: t, batch: batch) }
        // The client's own training split when FILE is one of a prepared folder's splits.
        let id = file.hasSuffix(".bin") ? file.dropLast(4).split(separator: "_").last.map(String.init) : nil
        let train = id.map { folder + "/train_\($0).bin" }.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        let unigramData = try train.map { try TokenFile.read($0, vocab: model.config.vocabSize) } ?? tokens
        let unigram = PortableMath.exp(Unigram(train: unigramData, vocab: model.config.vocabSize).loss(tokens, context: t))
        note("\(ck) on \(data): \(r.tokens) tokens, loss \(r.loss), ppl \(r.ppl); unigram model of \(train ?? "the file itself"): ppl \(unigram)")
        if r.ppl > unigram {
            note("comigs: warning: --checkpoint \(ck) does not fit \(data): perplexity \(String(format: "%.4g", r.ppl)) is above a unigram "
                 + "model's \(String(format: "%.4g", unigram))" + (model.config.vocabSize == 256 && !ck.hasSuffix(GeneralLanguage.englishBase)
                    ? " (for byte-level English text: \(GeneralLanguage.englishBase))" : ""))
        }
        try printJSON(Output(loss: r.loss, ppl: r.ppl, tokens: r.tokens, unigram_ppl: unigram))
    }
}
