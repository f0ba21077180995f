/// Size of the GPT-2-style base model.
public struct GPTConfig: Codable, Sendable, Equatable {
    public var nLayer: Int
    public var nHead: Int
    public var nEmbd: Int
    public var blockSize: Int
    public var vocabSize: Int
    /// The MLP's hidden width when it is not 4·n_embd (Hugging Face GPT-2's `n_inner`): a model whose
    /// averaged experts were merged has one MLP E times as wide (`Checkpoint.saveHuggingFace`). nil: 4·n_embd.
    public var nInner: Int?

    public init(nLayer: Int, nHead: Int, nEmbd: Int, blockSize: Int, vocabSize: Int, nInner: Int? = nil) {
        self.nLayer = nLayer
        self.nHead = nHead
        self.nEmbd = nEmbd
        self.blockSize = blockSize
        self.vocabSize = vocabSize
        self.nInner = nInner
    }

    enum CodingKeys: String, CodingKey {
        case nLayer = "n_layer", nHead = "n_head", nEmbd = "n_embd", blockSize = "n_positions", vocabSize = "vocab_size", nInner = "n_inner"
    }

    /// The MLP's hidden width F (`c_fc` n_embd → F, `c_proj` F → n_embd).
    public var mlpWidth: Int { nInner ?? 4 * nEmbd }

    public func validate() throws {
        for (k, v) in [("n_layer", nLayer), ("n_head", nHead), ("n_embd", nEmbd), ("n_positions", blockSize),
                       ("vocab_size", vocabSize), ("n_inner", mlpWidth)] where v <= 0 {
            throw ModelError.invalidConfig("\(k) must be positive, got \(v)")
        }
        if nEmbd % nHead != 0 { throw ModelError.invalidConfig("n_embd \(nEmbd) is not divisible by n_head \(nHead)") }
        if vocabSize > 65536 { throw ModelError.invalidConfig("vocab_size \(vocabSize) exceeds the uint16 token range") }
    }

    /// "n_layer 4, n_head 4, n_embd 128, n_positions 128, vocab_size 512": the config as messages name it.
    public var summary: String {
        "n_layer \(nLayer), n_head \(nHead), n_embd \(nEmbd), n_positions \(blockSize), vocab_size \(vocabSize)"
            + (nInner.map { ", n_inner \($0)" } ?? "")
    }

    /// The engine benchmark's model (`comigs bench engine`): 4 layers, 4 heads, width 128, context 128, vocab 512.
    public static let tiny = GPTConfig(nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 128, vocabSize: 512)
}

/// How the router combines experts.
public enum RouterMode: String, Codable, Sendable {
    /// Per-token learned router with top-k selection (docs/design.md §3).
    case topK = "top_k"
    /// "No router": the plain mean of all experts' outputs.
    case mean
}

/// Where the load-balancing loss takes its routing from.
public enum LoadBalanceInput: String, Codable, Sendable {
    /// The original code (`gating.py` `MoE.get_load_balancing_loss`, called by `GPT.forward`
    /// with each block's output): the router applied again to the residual stream after the
    /// block, with a zero-filled softmax (`BlockOutputBalance`). `compat: "reference"`.
    case blockOutput = "block_output"
}

/// The trainable adapters put on the frozen base (docs/design.md §3).
public struct AdapterConfig: Codable, Sendable, Hashable {
    /// LoRA rank; 0 means no LoRA at all (then the base must train).
    public var rank: Int = 8
    public var alpha: Float = 16
    /// MLP experts (CoMiGS puts its generalists first, then the client's specialists).
    public var experts: Int = 1
    public var router: RouterMode = .topK
    /// nil: k = min(2, experts).
    public var topK: Int? = nil
    /// g in the load-balancing weights: c_0 = 1/g, c_{e>0} = (E-1)/(1-g), all / E.
    public var generalistImportance: Float = 0.5
    /// Train every base weight too (the dense `gpt-tiny` benchmark and pretraining).
    public var trainBase: Bool = false
    /// Rank of the attention LoRA when it is not `rank`: FlexLoRA and HetLoRA vary the MLP
    /// LoRA's rank per client and keep attention at 8 (`collab_runscripts/table2`). nil: `rank`.
    public var attentionRank: Int? = nil
    /// What the load-balancing loss reads. nil: the router's own decision on the MLP input
    /// (the paper's); `.blockOutput`: the original code's re-routing of the block output.
    public var loadBalance: LoadBalanceInput? = nil

    public init(rank: Int = 8, alpha: Float = 16, experts: Int = 1, router: RouterMode = .topK, topK: Int? = nil,
                generalistImportance: Float = 0.5, trainBase: Bool = false) {
        self.rank = rank
        self.alpha = alpha
        self.experts = experts
        self.router = router
        self.topK = topK
        self.generalistImportance = generalistImportance
        self.trainBase = trainBase
    }

    /// A fully trainable dense GPT with no adapters.
    public static let dense = AdapterConfig(rank: 0, experts: 1, trainBase: true)

    public var k: Int { topK ?? min(2, experts) }
    /// LoRA scale s = alpha / sqrt(r) of the MLP (expert) LoRA.
    public var scale: Float { rank > 0 ? alpha / Float(rank).squareRoot() : 0 }
    /// The rank of the LoRA that holds parameters of this role.
    public func rank(of role: ParamRole) -> Int {
        if case .attentionLoRA = role, let a = attentionRank, rank > 0 { return a }
        return rank
    }
    /// s = alpha / sqrt(r) of the LoRA that holds parameters of this role.
    public func scale(of role: ParamRole) -> Float {
        let r = rank(of: role)
        return r > 0 ? alpha / Float(r).squareRoot() : 0
    }
    /// The largest useful LoRA rank on `config`: min(in, out) of every matrix LoRA adapts
    /// (attention c_attn n_embd → 3·n_embd and c_proj n_embd → n_embd, MLP c_fc n_embd → 4·n_embd and
    /// c_proj 4·n_embd → n_embd), i.e. n_embd. A higher rank adds parameters and bytes on the wire
    /// but no freedom: B·A of an in × out matrix has rank at most min(in, out).
    public static func maximumRank(_ config: GPTConfig) -> Int { config.nEmbd }

    /// Why these adapters' ranks do not fit `config` (above `maximumRank`), or nil.
    public func rankProblem(_ config: GPTConfig) -> String? {
        let most = Self.maximumRank(config)
        for (what, r) in [("LoRA rank", rank), ("attention LoRA rank", attentionRank ?? rank)] where r > most {
            return "\(what) \(r) exceeds \(most) = min(in, out) of the matrices it adapts (n_embd of the base): a rank above it adds bytes, not freedom"
        }
        return nil
    }

    /// The load-balancing loss re-routes the block output (`LoadBalanceInput.blockOutput`).
    public var balancesBlockOutput: Bool { loadBalance == .blockOutput && hasRouter }
    /// A learned router exists only with two or more experts in top-k mode.
    public var hasRouter: Bool { experts > 1 && router == .topK }
    /// Every expert sees every token (one expert, averaged experts, or top-k with k = experts), so
    /// the products of a step, and the cost model's FLOPs of it, do not depend on the data.
    public var fixedWork: Bool { !hasRouter || k == experts }
    /// Why no token is routed, as messages say it ("one expert", "its experts are averaged");
    /// nil when there is a router.
    public var withoutRouter: String? { hasRouter ? nil : experts > 1 ? "its experts are averaged" : "one expert" }

    public func validate() throws {
        if rank < 0 { throw ModelError.invalidConfig("LoRA rank must be ≥ 0, got \(rank)") }
        if experts < 1 { throw ModelError.invalidConfig("experts must be ≥ 1, got \(experts)") }
        if let a = attentionRank, a < 1 { throw ModelError.invalidConfig("attention LoRA rank must be ≥ 1, got \(a)") }
        if k < 1 || k > experts { throw ModelError.invalidConfig("top_k \(k) must be between 1 and experts (\(experts))") }
        if !(generalistImportance > 0 && generalistImportance < 1) {
            throw ModelError.invalidConfig("generalist importance must be in (0, 1), got \(generalistImportance)")
        }
        if rank == 0 && !trainBase { throw ModelError.invalidConfig("rank 0 (no LoRA) needs a trainable base") }
    }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case checkpoint(String)
    /// A file of one client's adapters (`Checkpoint.saveAdapters`) where a whole model was expected.
    case adaptersOnly(path: String)
    case nonFinite(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): "invalid model config: \(m)"
        case .checkpoint(let m): m
        case .adaptersOnly(let path): "\(path): holds one client's adapters, not a whole model"
        case .nonFinite(let m): m
        }
    }
}
