/// What one forward pass measured.
public struct ForwardStats: Sendable {
    /// Σ of token cross-entropies (not the mean), in Double for exact evaluation.
    public var ceSum: Double
    public var tokens: Int
    /// Load-balancing loss averaged over layers (0 without routers).
    public var loadBalance: Float
    public var meanCE: Double { ceSum / Double(tokens) }
}

/// GPT-2 (pre-LayerNorm blocks, learned positions, tied token embedding and
/// LM head, GELU MLP) with a frozen base, LoRA on attention and a mixture of
/// LoRA experts as every MLP (docs/design.md §3). Forward and backward are explicit
/// per layer, llm.c style; activations live in buffers reused every step.
public final class GPT: @unchecked Sendable {
    public let config: GPTConfig
    public let adapters: AdapterConfig
    /// Every parameter, in construction (and checkpoint) order.
    public let parameters: [Parameter]
    public let flops = FlopCounter()
    let wte: Parameter, wpe: Parameter, lnfGain: Parameter, lnfBias: Parameter
    let blocks: [Block]

    private let tokens = IntBuffer(1), targets = IntBuffer(1)
    private var x0: Tensor?, lnf: Tensor?, lnfMean: Tensor?, lnfRstd: Tensor?, logits: Tensor?
    private var dResid: Tensor?, dlnf: Tensor?
    private(set) var batch = 0, time = 0
    /// Whether the last forward kept what `backward` reads.
    private var backwardReady = false

    /// A fresh model; every parameter's initial values come from `rng.split(name)`.
    public convenience init(config: GPTConfig, adapters: AdapterConfig, rng: RNG) throws {
        try config.validate()
        try adapters.validate()
        self.init(config: config, adapters: adapters, builder: ParameterBuilder(adapters: adapters, rng: rng))
    }

    private init(config: GPTConfig, adapters: AdapterConfig, builder: ParameterBuilder) {
        self.config = config
        self.adapters = adapters
        let c = config.nEmbd
        wte = builder.make("transformer.wte.weight", .base, [config.vocabSize, c], .normal(std: 0.02))
        wpe = builder.make("transformer.wpe.weight", .base, [config.blockSize, c], .normal(std: 0.02))
        var blocks: [Block] = []
        for l in 0..<config.nLayer {
            blocks.append(Block("transformer.h.\(l)", config: config, builder: builder, flops: flops))
        }
        self.blocks = blocks
        lnfGain = builder.make("transformer.ln_f.weight", .base, [c], .ones)
        lnfBias = builder.make("transformer.ln_f.bias", .base, [c], .zeros)
        parameters = builder.parameters
    }

    /// A model on `base`'s frozen weights, held once and read-only: its base-role parameters share
    /// `base`'s values; its adapters and routers are its own, initialised from `rng.split(name)`
    /// exactly as a fresh model's. Its activations are allocated at its first forward.
    /// Throws `ModelError.invalidConfig` for adapters that train the base (nothing to share).
    public convenience init(adapters: AdapterConfig, rng: RNG, base: GPT) throws {
        try adapters.validate()
        if adapters.trainBase { throw ModelError.invalidConfig("a model on a shared frozen base cannot train the base") }
        self.init(config: base.config, adapters: adapters,
                  builder: ParameterBuilder(adapters: adapters, rng: rng, sharing: .base(base.parameters(where: { $0 == .base }))))
    }

    /// A model that shares this one's weights but has its own gradients and
    /// activations: it computes another batch shard's gradients concurrently.
    public func replica() -> GPT {
        let r = GPT(config: config, adapters: adapters,
                    builder: ParameterBuilder(adapters: adapters, rng: RNG(state: 0), sharing: .all(parameters)))
        for (p, q) in zip(parameters, r.parameters) { q.requiresGrad = p.requiresGrad }
        return r
    }

    public func parameters(where keep: (ParamRole) -> Bool) -> [Parameter] { parameters.filter { keep($0.role) } }
    public var trainableParameters: [Parameter] { parameters.filter(\.requiresGrad) }
    public func zeroGrad() { for p in parameters where p.requiresGrad { p.grad.zero() } }

    private func prepare(batch: Int, time: Int) {
        let n = batch * time, c = config.nEmbd
        tokens.ensure(n); targets.ensure(n)
        x0 = sized(x0, n * c); lnf = sized(lnf, n * c); dResid = sized(dResid, n * c); dlnf = sized(dlnf, n * c)
        lnfMean = sized(lnfMean, n); lnfRstd = sized(lnfRstd, n)
        logits = sized(logits, n * config.vocabSize)
        for b in blocks { b.prepare(batch: batch, time: time) }
    }

    /// Runs the model on `batch` sequences of `time` tokens (row-major). With
    /// targets, returns the cross-entropy and leaves probabilities for backward.
    @discardableResult
    public func forward(inputs: UnsafeBufferPointer<Int32>, targets tg: UnsafeBufferPointer<Int32>?,
                        batch: Int, time: Int) -> ForwardStats {
        let lb = run(inputs, batch: batch, time: time, keep: true)
        let n = batch * time
        var ce: Double = 0
        if let tg {
            precondition(tg.count == n, "batch shape mismatch")
            targets.ptr.update(from: tg.baseAddress!, count: n)
            ce = CrossEntropy.forward(logits!.ptr, targets: targets.ptr, n: n, vocab: config.vocabSize)
        }
        return ForwardStats(ceSum: ce, tokens: n, loadBalance: lb / Float(blocks.count))
    }

    /// Forward for scoring only (no backward may follow): the same products, in the same order,
    /// as `forward`, with nothing kept for a backward pass (`Attention.forward` keep false).
    /// Returns the logits [batch·time × vocab], valid until the next forward; `routes` reads
    /// the routing as after `forward`.
    public func forwardForScoring(inputs: UnsafeBufferPointer<Int32>, batch: Int, time: Int) -> UnsafeMutablePointer<Float> {
        _ = run(inputs, batch: batch, time: time, keep: false)
        return logits!.ptr
    }

    /// Embeddings, blocks, final LayerNorm and LM head into `logits`; returns Σ of the layers'
    /// load-balancing losses.
    private func run(_ inputs: UnsafeBufferPointer<Int32>, batch: Int, time: Int, keep: Bool) -> Float {
        precondition(time <= config.blockSize, "sequence length \(time) exceeds the context \(config.blockSize)")
        precondition(inputs.count == batch * time, "batch shape mismatch")
        prepare(batch: batch, time: time)  // allocates only when a buffer is too small
        self.batch = batch
        self.time = time
        backwardReady = keep
        let n = batch * time, c = config.nEmbd, v = config.vocabSize
        tokens.ptr.update(from: inputs.baseAddress!, count: n)
        Embedding.forward(x0!.ptr, tokens: tokens.ptr, wte: wte.ptr, wpe: wpe.ptr, batch: batch, time: time, width: c)
        var x = UnsafePointer(x0!.ptr)
        var lb: Float = 0
        for b in blocks {
            lb += b.forward(x, batch: batch, time: time, keep: keep)
            x = UnsafePointer(b.out!.ptr)
        }
        LayerNorm.forward(lnf!.ptr, mean: lnfMean!.ptr, rstd: lnfRstd!.ptr, x, gain: lnfGain.ptr, bias: lnfBias.ptr, n: n, width: c)
        MatMul.gemm(transB: true, m: n, n: v, k: c, lnf!.ptr, lda: c, wte.ptr, ldb: c, logits!.ptr, ldc: v)
        flops.gemm(n, v, c)
        return lb
    }

    /// Logits [batch·time × vocab] of the last forward without targets.
    public var lastLogits: UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: logits!.ptr, count: batch * time * config.vocabSize)
    }

    /// How layer `layer`'s MoE MLP routed the tokens of the last forward.
    public func routes(layer: Int) -> LayerRoutes { LayerRoutes(blocks[layer].mlp.router) }

    /// Accumulates gradients of `ceScale · ΣCE + lbWeight · LB` (LB averaged
    /// over layers) into every parameter that requires one. For a mean over
    /// M micro-batches of n tokens: ceScale = 1/(M·n), lbWeight = λ/M.
    public func backward(ceScale: Float, lbWeight: Float) {
        precondition(backwardReady, "backward after a forward for scoring only")
        let n = batch * time, c = config.nEmbd, v = config.vocabSize
        CrossEntropy.backward(logits!.ptr, targets: targets.ptr, n: n, vocab: v, scale: ceScale)
        let dl = logits!.ptr, dlnf = dlnf!.ptr, dr = dResid!.ptr
        MatMul.gemm(m: n, n: c, k: v, dl, lda: v, wte.ptr, ldb: c, dlnf, ldc: c)
        if let dwte = wte.gradIfNeeded {
            MatMul.gemm(transA: true, m: v, n: c, k: n, dl, lda: v, lnf!.ptr, ldb: c, beta: 1, dwte, ldc: c)
            flops.gemm(v, c, n)
        }
        flops.gemm(n, c, v)
        dr.update(repeating: 0, count: n * c)
        let lastOut = blocks.last.map { UnsafePointer($0.out!.ptr) } ?? UnsafePointer(x0!.ptr)
        LayerNorm.backward(dx: dr, dgain: lnfGain.gradIfNeeded, dbias: lnfBias.gradIfNeeded, dy: dlnf, x: lastOut,
                           mean: lnfMean!.ptr, rstd: lnfRstd!.ptr, gain: lnfGain.ptr, n: n, width: c)
        let lbScale = lbWeight / Float(blocks.count)
        // The gradient below the first block only feeds the embeddings.
        let embeddings = wte.requiresGrad || wpe.requiresGrad
        for (l, b) in blocks.enumerated().reversed() { b.backward(dr, lbScale: lbScale, inputGradient: l > 0 || embeddings) }
        if embeddings {
            Embedding.backward(dwte: wte.gradIfNeeded, dwpe: wpe.gradIfNeeded, dx: dr, tokens: tokens.ptr,
                               batch: batch, time: time, width: c)
        }
    }
}
