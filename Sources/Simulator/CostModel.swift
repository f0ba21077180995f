import Tensor

/// Work, memory and traffic of a client's configuration (docs/design.md §5). FLOPs
/// count matrix products only (2·m·n·k each), exactly the products the
/// engine runs, so the numeric and the cost-only modes agree; elementwise
/// work (GELU, softmax, LayerNorm) is a few percent and not counted.
public enum CostModel {
    /// What trains in a step (CoMiGS alternates expert and router steps).
    public struct Trains: Sendable, Equatable {
        public var base: Bool
        public var attention: Bool
        public var experts: Bool
        public var router: Bool
        public init(base: Bool = false, attention: Bool = true, experts: Bool = true, router: Bool = true) {
            self.base = base
            self.attention = attention
            self.experts = experts
            self.router = router
        }
    }

    /// The tokens each layer routes to each expert: measured counts when the
    /// numerics run, else the expected split (every token to k of E experts).
    public static func expectedRouting(_ ad: AdapterConfig, layers: Int, tokens n: Int) -> [[Int]] {
        let k = ad.hasRouter ? ad.k : ad.experts
        return Array(repeating: (0..<ad.experts).map { e in n * k / ad.experts + (e < n * k % ad.experts ? 1 : 0) }, count: layers)
    }

    /// FLOPs of one forward + backward pass on `batch` sequences of `time` tokens.
    ///
    /// Forward, per layer (N tokens, width C, MLP width F (4C unless n_inner), rank r, m_e tokens at expert e):
    ///   c_attn 2NC·3C, c_proj 2NC², causal attention, c_fc 2NCF (once), router 2NCE,
    ///   expert LoRA 2·m_e·r·(C+F) twice, shared c_proj 2NFC (once), LoRA on attention 2Nr(C+3C) + 2Nr·2C;
    ///   then the LM head 2NCV.
    /// Backward: every product's input gradient again (a frozen base still pays
    /// it), attention twice its forward, and a weight gradient (2·m·n·k) only
    /// for matrices that train; a LoRA pays dB, dA and the two products
    /// through its rank (dh, dx).
    public static func trainingFlops(config: GPTConfig, adapters ad: AdapterConfig, batch: Int, time: Int,
                                     routing: [[Int]]? = nil, trains: Trains = Trains()) -> Int {
        let n = batch * time, c = config.nEmbd, f = config.mlpWidth, v = config.vocabSize, e = ad.experts
        let ra = ad.rank(of: .attentionLoRA(.a)), rm = ad.rank(of: .expertLoRA(expert: 0, .a))
        let routed = routing ?? expectedRouting(ad, layers: config.nLayer, tokens: n)
        let base = trains.base || ad.trainBase
        let att = Attention.flops(batch: batch, time: time, width: c)
        func mm(_ a: Int, _ b: Int, _ k: Int) -> Int { 2 * a * b * k }
        /// A linear layer's forward + backward (input gradient unless `dx` is false, weight gradient when it trains).
        func linear(_ n: Int, _ i: Int, _ o: Int, trains: Bool, dx: Bool = true) -> Int {
            mm(n, o, i) * (1 + (dx ? 1 : 0) + (trains ? 1 : 0))
        }
        /// A LoRA's forward (two products) + backward (dB, dh, dA, dx; dB and dA only when it trains).
        func lora(_ n: Int, _ i: Int, _ o: Int, rank r: Int, trains: Bool, dx: Bool = true) -> Int {
            guard r > 0 else { return 0 }
            let dh = dx || trains ? mm(n, r, o) : 0
            return mm(n, r, i) + mm(n, o, r) + dh + (dx ? mm(n, i, r) : 0) + (trains ? mm(o, r, n) + mm(r, i, n) : 0)
        }
        var total = linear(n, c, v, trains: base)  // LM head (tied embedding)
        for layer in 0..<config.nLayer {
            // Below the first block the gradient only feeds the embeddings: skipped when they are frozen.
            let dx = layer > 0 || base
            total += linear(n, c, 3 * c, trains: base, dx: dx) + lora(n, c, 3 * c, rank: ra, trains: trains.attention, dx: dx)
            total += att.forward + att.backward
            total += linear(n, c, c, trains: base) + lora(n, c, c, rank: ra, trains: trains.attention)
            total += linear(n, c, f, trains: base) + linear(n, f, c, trains: base)
            if ad.hasRouter { total += linear(n, c, e, trains: trains.router) }
            for m in routed[layer] where m > 0 {
                total += lora(m, c, f, rank: rm, trains: trains.experts) + lora(m, f, c, rank: rm, trains: trains.experts)
            }
        }
        return total
    }

    /// Parameter counts by what they are.
    public struct Parameters: Sendable, Equatable {
        public var base = 0
        public var trainable = 0
    }

    public static func parameters(config: GPTConfig, adapters ad: AdapterConfig) -> Parameters {
        let c = config.nEmbd, f = config.mlpWidth, r = ad.rank, ra = ad.rank(of: .attentionLoRA(.a))
        let perLayerBase = 2 * 2 * c + (c * 3 * c + 3 * c) + (c * c + c) + (c * f + f) + (f * c + c)
        let perLayerLoRA = ra * (c + 3 * c) + ra * (c + c) + ad.experts * r * 2 * (c + f)
        let router = ad.hasRouter ? ad.experts * c : 0
        let base = config.vocabSize * c + config.blockSize * c + config.nLayer * perLayerBase + 2 * c
        let adapters = config.nLayer * (perLayerLoRA + router)
        return ad.trainBase ? Parameters(base: 0, trainable: base + adapters) : Parameters(base: base, trainable: adapters)
    }

    /// Bytes a client holds while training on micro-batches of `batch` × `time`:
    /// frozen base + trainable weights, their gradients and AdamW's two moments
    /// (fp32), plus the activations the engine keeps for one micro-batch.
    public static func memoryBytes(config: GPTConfig, adapters ad: AdapterConfig, batch: Int, time: Int) -> Int {
        let p = parameters(config: config, adapters: ad)
        let n = batch * time, c = config.nEmbd, f = config.mlpWidth, r = ad.rank, e = ad.experts
        let k = ad.hasRouter ? ad.k : e
        let model = 4 * n * c + 2 * n + n * config.vocabSize + 2 * n
        let attention = 6 * n * c + batch * config.nHead * time * time + 2 * n * c + time * time + 2 * 2 * n * ad.rank(of: .attentionLoRA(.a))
        let mlp = 4 * n * f + 2 * n + 2 * n * f + 2 * n * c + e * (2 * n * c + 2 * n * f + 2 * 2 * n * r)
            + 3 * n * e + 3 * n * k + 2 * n * e
        let perLayer = 7 * n * c + 4 * n + attention + mlp
        let activations = model + config.nLayer * perLayer
        return 4 * (p.base + 4 * p.trainable + activations)
    }

    /// Bytes on the wire for `values` shared numbers: float32, or float16 when asked.
    public static func wireBytes(values: Int, fp16: Bool = false) -> Int { values * (fp16 ? 2 : 4) }

    /// The fewest specialists fitting may leave a client: none beside generalists, else one
    /// (a mixture needs an expert).
    public static func fewestSpecialists(generalists: Int) -> Int { generalists > 0 ? 0 : 1 }

    /// `adapters` with `generalists` + `specialists` experts (top-k at most that many): the
    /// configurations `fittingSpecialists` tries.
    public static func withSpecialists(_ adapters: AdapterConfig, generalists: Int, specialists: Int) -> AdapterConfig {
        var ad = adapters
        ad.experts = generalists + specialists
        ad.topK = min(ad.topK ?? 2, ad.experts)
        return ad
    }

    /// The most specialists (≤ `specialists`, ≥ `fewestSpecialists`) whose configuration —
    /// `generalists` + that many experts — fits in `memory` at micro-batch `batch` × `time`;
    /// nil when not even the fewest fit.
    public static func fittingSpecialists(config: GPTConfig, adapters: AdapterConfig, generalists: Int, specialists: Int,
                                          memory: Int, batch: Int, time: Int) -> Int? {
        for s in stride(from: specialists, through: fewestSpecialists(generalists: generalists), by: -1) {
            let ad = withSpecialists(adapters, generalists: generalists, specialists: s)
            if memoryBytes(config: config, adapters: ad, batch: batch, time: time) <= memory { return s }
        }
        return nil
    }
}
