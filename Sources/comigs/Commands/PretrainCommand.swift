import Dispatch
import Experiments
import Foundation
import Simulator
import Tensor

enum PretrainCommand {
    static let usage = """
        usage: comigs pretrain --data DIR --config byte-tiny|byte-mini --steps N --out FILE.safetensors
                               [--batch B] [--lr LR] [--seed S] [--threads T]

        Trains a full tiny GPT (every weight) on DIR's pretrain_train.bin — general text that
        is no client's data (the synthetic corpus's general language, or English prose for the
        real corpora) — the way GPT-2 was pretrained before the paper fine-tuned it. AdamW
        (betas 0.9/0.95, decay 0.01), linear warm-up over 5% of the steps, then cosine decay to
        lr/10. Prints progress to stderr; saves the model (config in the metadata, and the
        general language of DIR's meta.json, which runs check against their data's) and prints
        JSON with the held-out loss on pretrain_valid.bin and the unigram baseline's.
        Both files must hold at least one window of context + 1 tokens (the rule 'run'
        applies to every client's split); otherwise nothing trains and the exit code is 2,
        naming the file and its token count.
        Configs: byte-tiny = 4 layers, 4 heads, width 128, context 128;
                 byte-mini = 2 layers, 2 heads, width 64, context 64 (vocabulary from the data).
        """

    static func config(_ name: String, vocab: Int) throws -> GPTConfig {
        switch name {
        case "byte-tiny": return GPTConfig(nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 128, vocabSize: vocab)
        case "byte-mini": return GPTConfig(nLayer: 2, nHead: 2, nEmbd: 64, blockSize: 64, vocabSize: vocab)
        default: throw Misuse(description: "--config: unknown config '\(name)' (byte-tiny, byte-mini)")
        }
    }

    struct Result: Codable {
        var out: String
        var steps: Int
        var train_loss: Double
        var valid_loss: Double
        var valid_ppl: Double
        var unigram_ppl: Double
        var seconds: Double
    }

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--data", "--config", "--steps", "--out", "--batch", "--lr", "--seed", "--threads"])
        try a.refuseOperands(beyond: 0)
        guard let data = a.string("--data") else { throw Misuse(description: "--data is required") }
        guard let out = a.string("--out") else { throw Misuse(description: "--out is required") }
        let steps = try a.int("--steps", default: 1000, range: 1...10_000_000)
        let batch = try a.int("--batch", default: 32, range: 1...4096)
        let threads = try a.int("--threads", default: 2, range: 1...64)
        let seed = UInt64(try a.int("--seed", default: 0, range: 0...Int(Int32.max)))
        let lr = Float(try a.double("--lr", default: 1e-3, range: 1e-6...1))
        guard batch % threads == 0 else { throw Misuse(description: "--batch \(batch) must be a multiple of --threads \(threads)") }
        let (meta, _) = try Dataset.read(data)
        let dir = try Dataset.locate(data, clients: nil)
        let train = try TokenFile.read(dir + "/" + Dataset.pretrainingFile(.train), vocab: meta.vocab_size)
        let valid = try TokenFile.read(dir + "/" + Dataset.pretrainingFile(.valid), vocab: meta.vocab_size)
        let cfg = try config(a.string("--config") ?? "byte-tiny", vocab: meta.vocab_size)
        if let short = Dataset.pretrainingShortfall([.train: train.count, .valid: valid.count], context: cfg.blockSize) {
            throw UsageError(description: "--data: \(dir)/\(short); nothing trained (write more pretraining text, e.g. comigs data synth "
                             + "--pretrain-tokens, or choose a config with a shorter context)")
        }
        let model = try GPT(config: cfg, adapters: .dense, rng: RNG(seed: seed, stream: "pretrain-init"))
        let trainer = ShardedTrainer(model, shards: threads)
        let opt = AdamW(model.trainableParameters)
        let source = ClientData(name: "pretrain", tokens: [.train: train])
        var rng = RNG(seed: seed, stream: "pretrain-batches")
        let warmup = max(1, steps / 20), cosine = LRSchedule.cosine(peak: lr, steps: steps - warmup)
        let start = DispatchTime.now().uptimeNanoseconds
        var recent: [Double] = []
        for step in 0..<steps {
            let b = source.batch(.train, batch: batch, time: cfg.blockSize, rng: &rng)
            let loss = try trainer.accumulate(b, lambdaLB: 0)
            opt.step(lr: step < warmup ? lr * Float(step + 1) / Float(warmup) : cosine.lr(at: step - warmup))
            recent.append(loss.ce)
            if recent.count > 50 { recent.removeFirst() }
            if (step + 1) % 100 == 0 || step + 1 == steps {
                let sec = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                note(String(format: "step %d/%d  loss %.4f  %.0fs elapsed, ~%.0fs left", step + 1, steps,
                            recent.reduce(0, +) / Double(recent.count), sec, sec / Double(step + 1) * Double(steps - step - 1)))
            }
        }
        let ev = valid.withUnsafeBufferPointer { Evaluation.evaluate(model, tokens: $0, context: cfg.blockSize) }
        let uni = Unigram(train: train, vocab: meta.vocab_size).loss(valid, context: cfg.blockSize)
        let trainLoss = recent.reduce(0, +) / Double(recent.count)
        var record = ["pretrain_data": meta.source, "pretrain_steps": "\(steps)", "pretrain_batch": "\(batch)",
                      "pretrain_valid_loss": "\(ev.loss)", "unigram_valid_loss": "\(uni)"]
        // The language it learned, so that runs on data in another language refuse this base.
        record[GeneralLanguage.key] = meta.parameters[GeneralLanguage.key]
        try Checkpoint.save(model, to: out, metadata: record)
        let sec = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        note(String(format: "valid loss %.4f (ppl %.2f); unigram ppl %.2f; saved %@", ev.loss, ev.ppl, PortableMath.exp(uni), out))
        try printJSON(Result(out: out, steps: steps, train_loss: trainLoss, valid_loss: ev.loss, valid_ppl: ev.ppl,
                             unigram_ppl: PortableMath.exp(uni), seconds: sec))
    }
}

