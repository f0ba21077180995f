import Foundation

/// Writing a model as a Hugging Face GPT-2 folder: `config.json` and `model.safetensors`, the layout
/// `Checkpoint.loadAnyRecorded` and `transformers`' `GPT2LMHeadModel.from_pretrained` read.
extension Checkpoint {
    /// Writes `model` into `folder` (created if missing) as a plain GPT-2 with every LoRA merged
    /// into the weight it adapts: W' = W + s·B·A, s = alpha/√r (`LoRA`), each element computed in
    /// Double and rounded once to float32. Weights without a LoRA (embeddings, LayerNorms, biases, a
    /// bare base) are copied as they are.
    ///
    /// The MLP of E > 1 experts averaged without a router (`RouterMode.mean`, weight w = 1/E each) is
    /// out = Σ_e w·(Wp·gelu(Wf·x + bf + Lf_e(x)) + bp + Lp_e(·)): the mean is taken after the GELU,
    /// so no single MLP of the base's width computes it, but one E times as wide does exactly —
    /// `n_inner` = E·F, c_fc the E merged c_fc stacked (bias bf repeated), c_proj the E merged
    /// c_proj side by side times w, its bias (Σ_e w)·bp (the sum as `Router.weightSums` adds it).
    /// Conv1D weights are stored [in, out]; `lm_head` is tied to the token embedding, so the file
    /// omits it; the safetensors metadata is `metadata` with `"format": "pt"`, which `transformers` requires.
    /// Errors: a routed mixture (`AdapterConfig.hasRouter`: experts mixed per token by a learned
    /// router, nothing to merge them into), or a file that cannot be written.
    public static func saveHuggingFace(_ model: GPT, to folder: String, metadata: [String: String] = [:]) throws {
        guard !model.adapters.hasRouter else {
            throw ModelError.checkpoint("a routed mixture of \(model.adapters.experts) experts mixes them per token: it cannot be merged into one GPT-2")
        }
        let experts = model.adapters.experts, c = model.config.nEmbd, f = model.config.mlpWidth
        let w = Router.meanWeight(experts: experts)
        let wsum = (0..<experts).reduce(Float(0)) { s, _ in s + w }
        // Our layout ([out, in] for matrices) of every weight the merge changes.
        var merged: [String: Tensor] = [:]
        for b in model.blocks {
            for linear in [b.attn.cAttn, b.attn.cProj] { merged[linear.weight.name] = Self.merged(linear.weight.value, linear.lora) }
            let mlp = b.mlp, fc = Tensor([experts * f, c]), fcBias = Tensor([experts * f]), proj = Tensor([c, experts * f])
            for (e, ex) in mlp.experts.enumerated() {
                let h = Self.merged(mlp.fcWeight.value, ex.fc), p = Self.merged(mlp.projWeight.value, ex.proj, times: experts == 1 ? nil : w)
                withExtendedLifetime((h, p)) {
                    (fc.ptr + e * f * c).update(from: h.ptr, count: f * c)
                    (fcBias.ptr + e * f).update(from: mlp.fcBias.value.ptr, count: f)
                    for row in 0..<c { (proj.ptr + row * experts * f + e * f).update(from: p.ptr + row * f, count: f) }
                }
            }
            let projBias = mlp.projBias.value.clone()
            for j in 0..<c { projBias.ptr[j] = wsum * projBias.ptr[j] }
            merged[mlp.fcWeight.name] = fc
            merged[mlp.fcBias.name] = fcBias
            merged[mlp.projWeight.name] = proj
            merged[mlp.projBias.name] = projBias
        }
        var config = model.config
        config.nInner = experts * f == 4 * c ? nil : experts * f
        let tensors: [(String, Tensor)] = model.parameters.filter { $0.role == .base }.map { p in
            let t = merged[p.name] ?? p.value
            guard isConv1D(p.name, t.shape) else { return (p.name, t) }
            let (rows, cols) = (t.shape[0], t.shape[1]), out = Tensor([cols, rows])
            for i in 0..<rows { for j in 0..<cols { out.ptr[j * rows + i] = t.ptr[i * cols + j] } }
            return (p.name, out)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try AtomicFile.write(Data((huggingFaceConfigJSON(config).text(indent: "  ") + "\n").utf8), to: folder + "/config.json")
        try Safetensors.write(tensors, metadata: metadata.merging(["format": "pt"]) { $1 }, to: folder + "/model.safetensors")
    }

    /// A mixture folder's adapters file and base folder (`saveMixture`).
    public static let mixtureAdapters = "adapters.safetensors", mixtureBase = "base"

    /// Writes a model whose experts cannot be merged (a routed mixture) as its parts: `folder/base/`,
    /// its frozen base as a Hugging Face GPT-2 folder (`saveHuggingFace`, weights copied as they are),
    /// and `folder/adapters.safetensors`, every adapter and router tensor under our names and
    /// shapes with the model and adapter configs in the metadata (`saveAdapters`). `loadAny(folder)`
    /// reads the pair back as the same model. `metadata` goes into both files.
    public static func saveMixture(_ model: GPT, to folder: String, metadata: [String: String] = [:]) throws {
        let base = try GPT(config: model.config, adapters: .dense, rng: RNG(seed: 0, stream: "load"))
        let frozen = Dictionary(uniqueKeysWithValues: model.parameters.lazy.filter { $0.role == .base }.map { ($0.name, $0.value) })
        for p in base.parameters { p.value.copy(from: frozen[p.name]!) }
        try saveHuggingFace(base, to: folder + "/" + mixtureBase, metadata: metadata)
        try saveAdapters(model, to: folder + "/" + mixtureAdapters, metadata: metadata)
    }

    /// `weight`·(W + s·B·A) for W [out, in], B [out, r], A [r, in] (W itself without a LoRA and weight),
    /// each element from Double, rounded once.
    static func merged(_ w: Tensor, _ lora: LoRA?, times weight: Float? = nil) -> Tensor {
        guard lora != nil || weight != nil else { return w.clone() }
        let out = Tensor(w.shape), (rows, cols) = (w.shape[0], w.shape[1])
        for i in 0..<rows {
            for j in 0..<cols {
                var v = Double(w.ptr[i * cols + j])
                if let l = lora {
                    var ba = 0.0
                    for k in 0..<l.rank { ba += Double(l.b.value.ptr[i * l.rank + k]) * Double(l.a.value.ptr[k * cols + j]) }
                    v += Double(l.scale) * ba
                }
                out.ptr[i * cols + j] = Float(v * Double(weight ?? 1))
            }
        }
        return out
    }

    /// GPT-2's Conv1D layers (attention c_attn and c_proj, MLP c_fc and c_proj), whose weights a
    /// Hugging Face file stores [in, out] where ours are [out, in].
    static func isConv1D(_ name: String, _ shape: [Int]) -> Bool {
        shape.count == 2 && (name.hasSuffix("c_attn.weight") || name.hasSuffix("c_proj.weight") || name.hasSuffix("c_fc.weight"))
    }

    /// A GPT-2 `config.json` for `config`: GELU with the tanh approximation (`gelu_new`, `GELU`),
    /// LayerNorm epsilon `LayerNorm.eps`, no dropout, tied embeddings. The token ids are the run's
    /// own (bytes for a byte-level model), with no special tokens.
    static func huggingFaceConfigJSON(_ config: GPTConfig) -> JSON {
        JSON.object([("architectures", .array([.string("GPT2LMHeadModel")])), ("model_type", .string("gpt2")),
                     ("n_layer", .int(config.nLayer)), ("n_head", .int(config.nHead)), ("n_embd", .int(config.nEmbd)),
                     ("n_positions", .int(config.blockSize)), ("vocab_size", .int(config.vocabSize)),
                     ("n_inner", config.nInner.map { .int($0) } ?? .null),
                     ("activation_function", .string("gelu_new")), ("layer_norm_epsilon", .double(Double(LayerNorm.eps))),
                     ("resid_pdrop", .double(0)), ("embd_pdrop", .double(0)), ("attn_pdrop", .double(0)),
                     ("tie_word_embeddings", .bool(true)), ("bos_token_id", .null), ("eos_token_id", .null)])
    }
}
