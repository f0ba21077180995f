import Dispatch

/// `comigs bench engine`: times training steps of the two reference configs
/// of the engine benchmark (the same shapes as `bench/torch_reference.py`).
public enum EngineBenchmark {
    public struct Result: Codable, Sendable {
        public var config: String
        public var threads: Int
        public var ms_per_step: Double
        public var tokens_per_s: Double
        public var gflops: Double
        public var kernels: String
        public var first_loss: Double
        public var last_loss: Double
    }

    public static let configs = ["gpt-tiny", "comigs-tiny"]
    static let batch = 16

    /// `gpt-tiny`: a dense GPT, every weight trained. `comigs-tiny`: the same
    /// base frozen, attention LoRA r8, 2 LoRA experts r8 per MLP, router top-2,
    /// load-balancing loss, AdamW on LoRA + router.
    public static func adapters(for name: String) -> AdapterConfig? {
        switch name {
        case "gpt-tiny": .dense
        case "comigs-tiny": AdapterConfig(rank: 8, experts: 2)
        default: nil
        }
    }

    public static func run(config name: String, threads: Int, steps: Int, warmup: Int = 3) throws -> Result {
        guard let adapters = adapters(for: name) else {
            throw ModelError.invalidConfig("unknown benchmark config '\(name)' (known: \(configs.joined(separator: ", ")))")
        }
        let cfg = GPTConfig.tiny
        let model = try GPT(config: cfg, adapters: adapters, rng: RNG(seed: 0, stream: "bench-init"))
        if adapters.rank > 0 {
            // Non-zero B so every LoRA product carries signal, as in the torch reference.
            var r = RNG(seed: 0, stream: "bench-lora-B")
            for p in model.parameters where p.role.loraFactor == .b { p.value.fillNormal(std: 0.02, rng: &r) }
        }
        var rng = RNG(seed: 0, stream: "bench-data")
        let n = batch * cfg.blockSize
        let data = TokenBatch(inputs: (0..<n).map { _ in Int32(rng.int(below: cfg.vocabSize)) },
                              targets: (0..<n).map { _ in Int32(rng.int(below: cfg.vocabSize)) },
                              batch: batch, time: cfg.blockSize)
        let trainer = ShardedTrainer(model, shards: threads)
        let opt = AdamW(model.trainableParameters)
        let lambda: Float = adapters.hasRouter ? 0.01 : 0
        var first = 0.0, last = 0.0, flops = 0
        var elapsed: UInt64 = 0
        for i in 0..<(warmup + steps) {
            for r in trainer.replicas { r.flops.flops = 0 }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let loss = try trainer.accumulate(data, lambdaLB: lambda)
            opt.step(lr: 2e-3)
            let t1 = DispatchTime.now().uptimeNanoseconds
            if i == 0 { first = loss.ce }
            last = loss.ce
            if i >= warmup { elapsed += t1 - t0 }
            flops = trainer.replicas.reduce(0) { $0 + $1.flops.flops }
        }
        let sec = Double(elapsed) / 1e9 / Double(max(steps, 1))
        return Result(config: name, threads: threads, ms_per_step: sec * 1e3, tokens_per_s: Double(n) / sec,
                      gflops: Double(flops) / sec / 1e9, kernels: MatMul.activePath.name, first_loss: first, last_loss: last)
    }
}
