import Experiments
import Foundation
import Simulator
import Tensor

enum EvalCommand {
    static let usage = """
        usage: comigs eval --checkpoint FILE.safetensors|FOLDER --data FILE.bin [--context N] [--batch B]
               comigs eval --run RUN_DIR --client I [--base] [--data FILE.bin [--context N] [--batch B]]

        Exact mean cross-entropy and perplexity of a model over windows of uint16 tokens.
        The last stdout line is JSON with keys loss, ppl, tokens and unigram_ppl.

        --checkpoint: a model file (comigs pretrain), a Hugging Face GPT-2 folder, or a folder
        'comigs export' wrote. With --data FILE it is scored over all full non-overlapping windows
        of FILE: window w has inputs data[wT ..< wT+T] and targets data[wT+1 ... wT+T], for every
        w with wT + T < count; T = --context (default: the model's context), --batch windows per
        forward (default 8; speed only: the sum is grouped per 8 windows, the same bits for any
        --batch). unigram_ppl is a unigram model (add-one smoothing) of the client's
        training split when FILE is a split of a prepared folder (train_<i>.bin beside it), else of
        FILE itself, on the same windows. A model worse than it does not fit the data: a warning
        on stderr says so. When FILE's folder has a meta.json recording its general language and
        the model records another, the exit code is 2.

        --run RUN_DIR --client I: client I's trained model from a finished run: the run's base
        (scenario.json model.base, a path from the folder the run was started in) with the
        client's adapters and routers (RUN_DIR/clients/client-I.safetensors, saved as the run's
        last evaluation scored them; a centralized run's one model for every client). Without
        --data it is scored exactly as the run scored it, on the client's test split at the run's
        context over the run's windows (eval_windows drawn per seed and client, or every full
        window), 8 per forward: loss is the run's last test_loss for the client (summary.json,
        metrics.jsonl) bit for bit, and unigram_ppl summary.json's. --base scores the run's base
        alone instead (summary.json's base_ppl, up to float rounding). With --data FILE the model
        is scored on FILE as above, at the run's context unless --context. A run's
        clients/client-I.safetensors holds adapters only: --checkpoint refuses it.
        """

    /// The JSON line `eval` prints.
    struct Output: Codable {
        var loss: Double
        var ppl: Double
        var tokens: Int
        var unigram_ppl: Double
    }

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--checkpoint", "--run", "--client", "--data", "--context", "--batch"], switches: ["--base"])
        try a.refuseOperands(beyond: 0)
        let model: GPT, metadata: [String: String], label: String, basePath: String, context: Int
        if let run = a.string("--run") {
            guard a.string("--checkpoint") == nil else { throw Misuse(description: "give --checkpoint or --run, not both") }
            guard a.string("--client") != nil else { throw Misuse(description: "--run needs --client I") }
            if a.string("--data") == nil, let o = ["--context", "--batch"].first(where: { a.string($0) != nil }) {
                throw Misuse(description: "\(o) needs --data: without it the run's own windows are scored")
            }
            let client = try a.int("--client", default: 0, range: 0...Int(Int32.max))
            let c = try ClientModel(run: run, client: client, baseOnly: a.has("--base"))
            label = "--run \(run) --client \(client)" + (a.has("--base") ? " --base" : "")
            guard a.string("--data") != nil else {
                let (r, unigram) = try c.score()
                note("\(label): the run's \(r.tokens) scored tokens of client \(client)'s test split, loss \(r.loss), ppl \(r.ppl); unigram ppl \(unigram)")
                return try printJSON(Output(loss: r.loss, ppl: r.ppl, tokens: r.tokens, unigram_ppl: unigram))
            }
            (model, metadata, basePath) = (c.model, c.baseMetadata, c.scenario.config.model.base)
            context = try a.int("--context", default: c.context, range: 1...model.config.blockSize)
        } else {
            guard a.string("--client") == nil, !a.has("--base") else { throw Misuse(description: "--client and --base need --run") }
            guard let ck = a.string("--checkpoint") else { throw Misuse(description: "--checkpoint or --run is required") }
            do { (model, metadata) = try Checkpoint.loadAnyRecorded(ck) } catch ModelError.adaptersOnly(let path) {
                throw UsageError(description: "--checkpoint: " + adaptersOnly(path))
            } catch { throw UsageError(description: "--checkpoint: \(error)") }
            (label, basePath) = ("--checkpoint \(ck)", ck)
            context = try a.int("--context", default: model.config.blockSize, range: 1...model.config.blockSize)
        }
        guard let data = a.string("--data") else { throw Misuse(description: "--data is required") }
        let t = context
        let batch = try a.int("--batch", default: Evaluation.windowsPerForward, range: 1...4096)
        let tokens: [Int32]
        do { tokens = try TokenFile.read(data, vocab: model.config.vocabSize) } catch { throw UsageError(description: "--data: \(error)") }
        if let short = ClientData.shortfall(tokens.count, context: t) { throw UsageError(description: "--data: \(data) has \(short)") }
        let folder = (data as NSString).deletingLastPathComponent, file = (data as NSString).lastPathComponent
        let meta = try? JSONDecoder().decode(DatasetMeta.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/meta.json")))
        if let learned = metadata[GeneralLanguage.key], let spoken = meta?.parameters[GeneralLanguage.key], learned != spoken {
            throw UsageError(description: "\(label) learned \(GeneralLanguage.describe(learned)), but \(folder)/meta.json records "
                             + "\(GeneralLanguage.describe(spoken))" + (GeneralLanguage.bases(for: spoken).map { "; a base that learned it: \($0)" } ?? ""))
        }
        let r = tokens.withUnsafeBufferPointer { Evaluation.evaluate(model, tokens: $0, context: t, batch: batch) }
        // The client's own training split when FILE is one of a prepared folder's splits.
        let id = file.hasSuffix(".bin") ? file.dropLast(4).split(separator: "_").last.map(String.init) : nil
        let train = id.map { folder + "/train_\($0).bin" }.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        let unigramData = try train.map { try TokenFile.read($0, vocab: model.config.vocabSize) } ?? tokens
        let unigram = PortableMath.exp(Unigram(train: unigramData, vocab: model.config.vocabSize).loss(tokens, context: t))
        note("\(label) on \(data): \(r.tokens) tokens, loss \(r.loss), ppl \(r.ppl); unigram model of \(train ?? "the file itself"): ppl \(unigram)")
        if r.ppl > unigram {
            note("comigs: warning: \(label) does not fit \(data): perplexity \(String(format: "%.4g", r.ppl)) is above a unigram "
                 + "model's \(String(format: "%.4g", unigram))" + (model.config.vocabSize == 256 && !basePath.hasSuffix(GeneralLanguage.englishBase)
                    ? " (for byte-level English text: \(GeneralLanguage.englishBase))" : ""))
        }
        try printJSON(Output(loss: r.loss, ppl: r.ppl, tokens: r.tokens, unigram_ppl: unigram))
    }

    /// What to do with a client's adapters file given as a whole model: the commands that load it on its run's base.
    static func adaptersOnly(_ path: String) -> String {
        let (run, client) = ClientModel.locate(adapters: path).map { ($0.run, "\($0.client)") } ?? ("RUN_DIR", "I")
        return "\(path) holds one client's adapters, not a whole model: score that client's model with 'comigs eval --run \(run) "
            + "--client \(client)', or write it out whole with 'comigs export --run \(run) --client \(client) --out FOLDER'"
    }
}
