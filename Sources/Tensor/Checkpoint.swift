import Foundation

/// Model checkpoints: our own safetensors files (nanoGPT names, the model's
/// config in the metadata so the file alone describes the model) and GPT-2
/// checkpoints in Hugging Face layout as a frozen base.
public enum Checkpoint {
    public static func save(_ model: GPT, to path: String, metadata extra: [String: String] = [:]) throws {
        try Safetensors.write(model.parameters.map { ($0.name, $0.value) },
                              metadata: try describe(model, extra, format: "comigs"), to: path)
    }

    /// Writes only the adapters (every parameter whose role is not `.base`) with
    /// the model's config, atomically; `loadAdapters` puts them back on a base.
    public static func saveAdapters(_ model: GPT, to path: String, metadata extra: [String: String] = [:]) throws {
        try Safetensors.write(model.parameters.filter { $0.role != .base }.map { ($0.name, $0.value) },
                              metadata: try describe(model, extra, format: adaptersFormat), to: path)
    }

    static let adaptersFormat = "comigs-adapters"

    private static func describe(_ model: GPT, _ extra: [String: String], format: String) throws -> [String: String] {
        var meta = extra
        meta["format"] = format
        meta["config"] = String(decoding: try JSONEncoder.sortedKeys().encode(model.config), as: UTF8.self)
        meta["adapters"] = String(decoding: try JSONEncoder.sortedKeys().encode(model.adapters), as: UTF8.self)
        return meta
    }

    /// A model exactly as saved (config, adapters and every parameter).
    public static func load(_ path: String) throws -> GPT { try load(Safetensors(path: path)) }

    private static func load(_ st: Safetensors) throws -> GPT {
        if st.metadata["format"] == adaptersFormat { throw ModelError.adaptersOnly(path: st.path) }
        let (config, adapters) = try configs(st)
        let model = try GPT(config: config, adapters: adapters, rng: RNG(seed: 0, stream: "load"))
        try fill(model, from: st, roles: { _ in true })
        return model
    }

    /// The saved adapters on top of `base`: a model of the file's adapter config
    /// whose `.base` parameters are copies of `base`'s and the rest come from the file.
    public static func loadAdapters(_ path: String, base: GPT) throws -> GPT {
        let st = try Safetensors(path: path)
        let (config, adapters) = try configs(st)
        guard config == base.config else {
            throw ModelError.checkpoint("\(path): adapters for base config \(config), but the base has \(base.config)")
        }
        let model = try GPT(config: config, adapters: adapters, rng: RNG(seed: 0, stream: "load"))
        let frozen = Dictionary(uniqueKeysWithValues: base.parameters.lazy.filter { $0.role == .base }.map { ($0.name, $0.value) })
        for p in model.parameters where p.role == .base {
            guard let v = frozen[p.name], v.shape == p.value.shape else {
                throw ModelError.checkpoint("\(path): the base has no tensor '\(p.name)' of shape \(p.value.shape)")
            }
            p.value.copy(from: v)
        }
        try fill(model, from: st, roles: { $0 != .base })
        return model
    }

    /// The model and adapter configs from a comigs file's metadata.
    private static func configs(_ st: Safetensors) throws -> (GPTConfig, AdapterConfig) {
        guard let c = st.metadata["config"], let config = try? JSONDecoder().decode(GPTConfig.self, from: Data(c.utf8)) else {
            throw ModelError.checkpoint("\(st.path): no model config in the safetensors metadata (not a comigs checkpoint?)")
        }
        var adapters = AdapterConfig.dense
        if let a = st.metadata["adapters"] {
            guard let ad = try? JSONDecoder().decode(AdapterConfig.self, from: Data(a.utf8)) else {
                throw ModelError.checkpoint("\(st.path): malformed adapter config in the metadata")
            }
            adapters = ad
        }
        return (config, adapters)
    }

    /// Reads every parameter of the given roles; the file must hold exactly those tensors.
    static func fill(_ model: GPT, from st: Safetensors, roles: (ParamRole) -> Bool) throws {
        let wanted = model.parameters.filter { roles($0.role) }
        try st.requireExactly(wanted.map(\.name), described: "the model its metadata describes (\(model.config.summary))")
        for p in wanted { try st.read(p.name, into: p.value) }
    }

    // MARK: Hugging Face GPT-2 layout

    /// Reads `config.json` of a Hugging Face GPT-2 folder.
    public static func huggingFaceConfig(_ folder: String) throws -> GPTConfig {
        let path = folder + "/config.json"
        guard let d = FileManager.default.contents(atPath: path) else { throw ModelError.checkpoint("\(path): cannot read file") }
        guard let j = try? JSONSerialization.jsonObject(with: d) as? [String: Any] else {
            throw ModelError.checkpoint("\(path): not a JSON object")
        }
        func int(_ k: String) throws -> Int {
            guard let v = j[k] as? Int else { throw ModelError.checkpoint("\(path): missing integer '\(k)'") }
            return v
        }
        // n_inner: absent or null means 4·n_embd.
        let inner = j["n_inner"].flatMap { $0 is NSNull ? nil : $0 }, nInner = inner as? Int
        guard inner == nil || nInner != nil else { throw ModelError.checkpoint("\(path): 'n_inner' must be an integer or null") }
        let c = GPTConfig(nLayer: try int("n_layer"), nHead: try int("n_head"), nEmbd: try int("n_embd"),
                          blockSize: try int("n_positions"), vocabSize: try int("vocab_size"), nInner: nInner)
        try c.validate()
        return c
    }

    /// Loads `model.safetensors` of a Hugging Face GPT-2 folder as the base.
    /// Conv1D weights there are stored [in, out]; ours are [out, in].
    /// Besides the weights, the file may hold the attention-mask buffers (`h.<i>.attn.bias`,
    /// `attn.masked_bias`) and `lm_head.weight`, which must then equal the token embedding
    /// (GPT-2 ties them); anything else is an error, as in `requireExactly`.
    /// Returns the file's safetensors metadata but `format` (what `saveHuggingFace` recorded beside it).
    @discardableResult
    public static func loadHuggingFaceBase(_ folder: String, into model: GPT) throws -> [String: String] {
        let st = try Safetensors(path: folder + "/model.safetensors")
        let prefix = st.entry("transformer.wte.weight") != nil ? "transformer." : ""
        let bases = model.parameters.filter { $0.role == .base }
        let names = bases.map { prefix + String($0.name.dropFirst("transformer.".count)) }
        try st.requireExactly(names, ignorable: { $0.hasSuffix(".attn.bias") || $0.hasSuffix(".attn.masked_bias") || $0 == "lm_head.weight" },
                              described: "GPT-2 of \(folder)/config.json (\(model.config.summary))")
        for (p, name) in zip(bases, names) { try st.read(name, into: p.value, transpose: isConv1D(name, p.value.shape)) }
        if st.entry("lm_head.weight") != nil, let wte = bases.first(where: { $0.name == "transformer.wte.weight" })?.value {
            let head = Tensor(wte.shape)
            try st.read("lm_head.weight", into: head)
            guard head.bitEqual(wte) else {
                throw ModelError.checkpoint("\(folder)/model.safetensors: tensor 'lm_head.weight' differs from the token embedding; only tied GPT-2 heads are supported")
            }
        }
        return st.metadata.filter { $0.key != "format" }
    }

    /// A model from a comigs `.safetensors` file, a Hugging Face folder or a mixture folder (`saveMixture`).
    public static func loadAny(_ path: String) throws -> GPT { try loadAnyRecorded(path).model }

    /// `loadAny`, with the file's safetensors metadata (what it was pretrained on, …; for a folder
    /// what `model.safetensors` records besides `format`, for a mixture folder its adapters file's).
    public static func loadAnyRecorded(_ path: String) throws -> (model: GPT, metadata: [String: String]) {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            let adapters = path + "/" + mixtureAdapters
            if FileManager.default.fileExists(atPath: adapters) {
                let base = try loadAny(path + "/" + mixtureBase)
                return (try loadAdapters(adapters, base: base), try Safetensors(path: adapters).metadata)
            }
            let model = try GPT(config: try huggingFaceConfig(path), adapters: .dense, rng: RNG(seed: 0, stream: "load"))
            return (model, try loadHuggingFaceBase(path, into: model))
        }
        let st = try Safetensors(path: path)
        return (try load(st), st.metadata)
    }
}
