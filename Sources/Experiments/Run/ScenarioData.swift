import Foundation
import Simulator
import Tensor

/// The clients' token splits a scenario names — the built-in synthetic corpus or a prepared
/// folder, loaded for each client when it first trains or is scored (`data.resident_mib`), checked against the clients, the base's vocabulary and the context (errors name the
/// key or the file) — and their generating process when it is known (the built-in corpus, or a
/// folder `data synth` wrote), for the Bayes floor and the origin posterior.
package struct ScenarioData {
    package let clients: [ClientData]
    package let world: SyntheticCorpus?
    /// The language of the corpus's general text (`GeneralLanguage`), when it is recorded.
    package let generalLanguage: String?
    /// The tokenizer the corpus was made with ("synthetic", "byte", "gpt2-bpe").
    package let tokenizer: String

    package static func load(_ s: ScenarioConfig, vocab: Int, context: Int) throws -> ScenarioData {
        let n = s.clientCount
        let data: ScenarioData
        let cache = ClientDataCache(budget: s.dataResidentBytes)
        switch s.data {
        case .folder(let path):
            guard FileManager.default.fileExists(atPath: path) else { throw ScenarioError(key: "data.path", reason: "\(path): no such folder") }
            let (meta, clients): (DatasetMeta, [ClientData])
            do { (meta, clients) = try Dataset.read(path, cache: cache) } catch { throw ScenarioError(key: "data.path", reason: "\(error)") }
            guard clients.count == n else {
                throw ScenarioError(key: "clients", reason: "\(n) clients, but \(path) holds data for \(clients.count)")
            }
            guard meta.vocab_size <= vocab else {
                throw ScenarioError(key: "data.path", reason: "\(path): vocabulary \(meta.vocab_size) exceeds the base's \(vocab) (model.base)")
            }
            let world = try Self.world(meta, path: path)
            data = ScenarioData(clients: clients, world: world, generalLanguage: Self.generalLanguage(meta, world: world), tokenizer: meta.tokenizer)
        case .synthetic(let spec):
            guard SyntheticCorpus.vocab <= vocab else {
                throw ScenarioError(key: "model.base", reason: "vocabulary \(vocab) is smaller than the synthetic corpus's \(SyntheticCorpus.vocab)")
            }
            let world = SyntheticCorpus(spec)
            data = ScenarioData(clients: world.clients(cache: cache), world: world, generalLanguage: SyntheticCorpus.generalLanguage, tokenizer: "synthetic")
        }
        for (i, c) in data.clients.enumerated() {
            if let short = c.shortSplit(context: context) {
                throw ScenarioError(key: s.data.isFolder ? "data.path" : "data.synthetic.tokens",
                                    reason: "client \(i) (\(c.name)): \(short)")
            }
        }
        return data
    }

    /// The generating process of a `data synth` folder (nil for any other), or an error naming `data.path`.
    package static func world(_ meta: DatasetMeta, path: String) throws -> SyntheticCorpus? {
        do { return try SyntheticCorpus(meta: meta) } catch { throw ScenarioError(key: "data.path", reason: "\(path)/\(error)") }
    }

    /// The language of a folder's general text: what its meta.json records, or the synthetic
    /// corpus's for a `data synth` folder written before the key existed.
    package static func generalLanguage(_ meta: DatasetMeta, world: SyntheticCorpus?) -> String? {
        meta.parameters[GeneralLanguage.key] ?? (world == nil ? nil : SyntheticCorpus.generalLanguage)
    }

    /// The data's general language from the scenario and, for a folder, its meta.json alone
    /// (what a sweep checks of every point before the first trains).
    package static func generalLanguage(_ s: ScenarioConfig) throws -> String? {
        guard case .folder(let path) = s.data else { return SyntheticCorpus.generalLanguage }
        let meta: DatasetMeta
        do { meta = try Dataset.readMeta(path).meta } catch { throw ScenarioError(key: "data.path", reason: "\(error)") }
        return generalLanguage(meta, world: try world(meta, path: path))
    }
}
