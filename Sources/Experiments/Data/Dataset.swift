import Foundation
import Simulator
import Tensor

/// Token counts of one client's splits.
package struct SplitCounts: Codable, Equatable, Sendable {
    package var train: Int
    package var valid: Int
    package var test: Int

    package init(train: Int, valid: Int, test: Int) {
        self.train = train
        self.valid = valid
        self.test = test
    }

    package var splits: [ClientData.Split: Int] { [.train: train, .valid: valid, .test: test] }

    package subscript(split: ClientData.Split) -> Int {
        switch split { case .train: train; case .valid: valid; case .test: test }
    }
}

/// `meta.json` beside the token files.
package struct DatasetMeta: Codable, Equatable, Sendable {
    package var tokenizer: String
    package var vocab_size: Int
    package var clients: [String]
    package var tokens: [SplitCounts]
    /// "synthetic", "multilingual", "domains", "agnews", "folders", …
    package var source: String
    package var split_seed: UInt64
    /// Whether `*_origin_<id>.bin` label files exist (synthetic corpus).
    package var origins: Bool
    /// How the data was made (generator knobs, package versions, …), for the record.
    package var parameters: [String: String]

    package init(tokenizer: String, vocab_size: Int, clients: [String], tokens: [SplitCounts], source: String,
                 split_seed: UInt64, origins: Bool, parameters: [String: String]) {
        self.tokenizer = tokenizer
        self.vocab_size = vocab_size
        self.clients = clients
        self.tokens = tokens
        self.source = source
        self.split_seed = split_seed
        self.origins = origins
        self.parameters = parameters
    }
}

/// The seed's layout: `<dir>/<num_clients>/{train,valid,test}_<id>.bin`
/// (little-endian uint16), origin labels `{split}_origin_<id>.bin` (uint8), `meta.json`.
package enum Dataset {
    package static func folder(_ dir: String, clients: Int) -> String { "\(dir)/\(clients)" }

    /// General text that is no client's data, for pretraining a base (`comigs pretrain`):
    /// its train and valid splits, one file each beside the clients' files.
    package static let pretrainingSplits: [ClientData.Split] = [.train, .valid]
    package static func pretrainingFile(_ split: ClientData.Split) -> String { "pretrain_\(split.rawValue).bin" }

    /// The first pretraining split too short for one window at `context` (`ClientData.shortfall`,
    /// the rule `run` applies to the clients' splits), as "pretrain_valid.bin has …"; nil when
    /// every split holds a window.
    package static func pretrainingShortfall(_ tokens: [ClientData.Split: Int], context: Int) -> String? {
        pretrainingSplits.lazy.compactMap { s in
            ClientData.shortfall(tokens[s] ?? 0, context: context).map { "\(pretrainingFile(s)) has \($0)" }
        }.first
    }

    /// Writes the folder; `meta.tokens` is set from the clients' actual counts, so what is
    /// written always agrees with what `read` checks.
    package static func write(_ clients: [ClientData], meta given: DatasetMeta, to dir: String) throws {
        var meta = given
        meta.tokens = clients.map { SplitCounts(train: $0.count(.train), valid: $0.count(.valid), test: $0.count(.test)) }
        let out = folder(dir, clients: clients.count)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for (id, c) in clients.enumerated() {
            for split in ClientData.Split.allCases {
                try TokenFile.write(c.tokens[split] ?? [], to: "\(out)/\(split.rawValue)_\(id).bin")
                if meta.origins {
                    try Data(c.origins[split] ?? []).write(to: URL(fileURLWithPath: "\(out)/\(split.rawValue)_origin_\(id).bin"),
                                                         options: .atomic)
                }
            }
        }
        try JSONEncoder.sortedKeys(pretty: true).encode(meta).write(to: URL(fileURLWithPath: "\(out)/meta.json"), options: .atomic)
    }

    /// Reads every client of `dir` (the folder holding `<num_clients>/`, or that folder
    /// itself) and checks it against its own `meta.json`: the folder's number is the
    /// client count, clients are numbered 0…n−1 with no gap and no extra file, every token
    /// file holds the count `tokens` records and only tokens below `vocab_size`, origin
    /// labels exist exactly when `origins` says so, one 0/1 label per token. Errors name
    /// the file and the count or key.
    package static func read(_ dir: String, clients n: Int? = nil) throws -> (DatasetMeta, [ClientData]) {
        let (base, meta) = try readMeta(dir, clients: n)
        let clients = try meta.clients.indices.map { id in
            let s = try readClient(id, base: base, meta: meta)
            return ClientData(name: meta.clients[id], tokens: s.tokens, origins: s.origins)
        }
        return (meta, clients)
    }

    /// `read`'s checks of every file now, the splits read again when first used and kept by
    /// `cache` (a large population is never held whole).
    package static func read(_ dir: String, cache: ClientDataCache) throws -> (DatasetMeta, [ClientData]) {
        let (base, meta) = try readMeta(dir)
        for id in meta.clients.indices { _ = try readClient(id, base: base, meta: meta) }
        let clients = meta.clients.indices.map { id in
            ClientData(name: meta.clients[id], key: id, sizes: meta.tokens[id].splits, cache: cache) {
                do { return try readClient(id, base: base, meta: meta) } catch {
                    preconditionFailure("\(error) (the file was checked before the run started and changed since)")
                }
            }
        }
        return (meta, clients)
    }

    /// Client `id`'s splits from its files, checked against `meta` (errors name the file).
    static func readClient(_ id: Int, base: String, meta: DatasetMeta) throws -> ClientData.Splits {
        var out: ClientData.Splits = ([:], [:])
        for split in ClientData.Split.allCases {
            let path = "\(base)/\(split.rawValue)_\(id).bin"
            guard FileManager.default.fileExists(atPath: path) else {
                throw TokenFile.Error(description: "\(path): missing (meta.json lists \(meta.clients.count) clients, numbered 0…\(meta.clients.count - 1))")
            }
            let tokens = try TokenFile.read(path, vocab: meta.vocab_size)
            let recorded = meta.tokens[id][split]
            guard tokens.count == recorded else {
                throw TokenFile.Error(description: "\(path): \(tokens.count) tokens, but meta.json records \(recorded) (tokens[\(id)].\(split.rawValue))")
            }
            out.tokens[split] = tokens
            if meta.origins { out.origins[split] = try originLabels("\(base)/\(split.rawValue)_origin_\(id).bin", tokens: tokens.count, of: path) }
        }
        return out
    }

    /// The folder's `meta.json`, checked against itself and the folder (`checkMeta`).
    package static func readMeta(_ dir: String, clients n: Int? = nil) throws -> (base: String, meta: DatasetMeta) {
        let base = try locate(dir, clients: n)
        let metaPath = base + "/meta.json"
        guard let md = FileManager.default.contents(atPath: metaPath) else {
            throw TokenFile.Error(description: "\(metaPath): missing (not a prepared data folder?)")
        }
        let meta: DatasetMeta
        do { meta = try JSONDecoder().decode(DatasetMeta.self, from: md) } catch {
            throw TokenFile.Error(description: "\(metaPath): malformed: \(error)")
        }
        try checkMeta(meta, base: base)
        return (base, meta)
    }

    /// `meta.json` against itself and its folder: one `tokens` entry per client, unique
    /// non-empty names, a positive vocabulary, the folder named by the client count, and no
    /// token or label file of a client (or of origins) that meta.json does not list.
    package static func checkMeta(_ meta: DatasetMeta, base: String) throws {
        let metaPath = base + "/meta.json", n = meta.clients.count
        guard meta.vocab_size >= 1 else { throw TokenFile.Error(description: "\(metaPath): vocab_size \(meta.vocab_size) must be at least 1") }
        guard meta.tokens.count == n else {
            throw TokenFile.Error(description: "\(metaPath): tokens has \(meta.tokens.count) entries for \(n) clients")
        }
        if let i = meta.clients.firstIndex(where: { $0.isEmpty || $0.contains(where: \.isNewline) }) {
            throw TokenFile.Error(description: "\(metaPath): clients[\(i)] is not a one-line name")
        }
        if let i = meta.clients.indices.first(where: { meta.clients[..<$0].contains(meta.clients[$0]) }) {
            throw TokenFile.Error(description: "\(metaPath): clients[\(i)] repeats the name \(JSON.quote(meta.clients[i]))")
        }
        let folderName = URL(fileURLWithPath: base).lastPathComponent
        if let named = Int(folderName), named != n {
            throw TokenFile.Error(description: "\(metaPath): lists \(n) clients, but its folder is named \(named)")
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted()
        for f in files where f.hasSuffix(".bin") {
            let parts = f.dropLast(4).split(separator: "_")
            guard parts.count >= 2, ClientData.Split(rawValue: String(parts[0])) != nil, let id = Int(parts[parts.count - 1]) else { continue }
            let isOrigin = parts.count == 3 && parts[1] == "origin"
            guard parts.count == 2 || isOrigin else { continue }
            if id >= n { throw TokenFile.Error(description: "\(base)/\(f): no client \(id) in meta.json (\(n) clients, numbered 0…\(n - 1))") }
            if isOrigin && !meta.origins {
                throw TokenFile.Error(description: "\(base)/\(f): origin labels, but meta.json says origins: false")
            }
        }
    }

    /// One 0/1 origin label per token of `tokenFile`.
    package static func originLabels(_ path: String, tokens: Int, of tokenFile: String) throws -> [UInt8] {
        guard let o = FileManager.default.contents(atPath: path) else {
            throw TokenFile.Error(description: "\(path): missing origin labels (meta.json says origins: true)")
        }
        guard o.count == tokens else {
            throw TokenFile.Error(description: "\(path): \(o.count) labels for \(tokens) tokens in \(tokenFile)")
        }
        if let bad = o.firstIndex(where: { $0 > 1 }) {
            throw TokenFile.Error(description: "\(path): label \(o[bad]) at offset \(bad) (labels are 0 or 1)")
        }
        return Array(o)
    }

    package static func locate(_ dir: String, clients n: Int?) throws -> String {
        if let n { return folder(dir, clients: n) }
        if FileManager.default.fileExists(atPath: dir + "/meta.json") { return dir }
        let subs = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter {
            Int($0) != nil && FileManager.default.fileExists(atPath: "\(dir)/\($0)/meta.json")
        }.sorted()
        guard subs.count == 1 else {
            throw TokenFile.Error(description: "\(dir): expected one <num_clients>/meta.json folder, found \(subs.isEmpty ? "none" : subs.joined(separator: ", "))")
        }
        return "\(dir)/\(subs[0])"
    }
}

/// One client's raw text, as documents (paragraphs, files, articles, verses).
package struct ClientDocuments {
    package var name: String
    package var documents: [String]

    package init(name: String, documents: [String]) {
        self.name = name
        self.documents = documents
    }
}

/// Deterministic document-level splits: a seeded shuffle of document indices,
/// so no document is in two splits and file order never leaks test text.
package enum DocumentSplit {
    package static func split(_ docs: [String], fractions: (valid: Double, test: Double), seed: UInt64, client: Int)
        -> (train: [String], valid: [String], test: [String]) {
        var rng = RNG(seed: seed, client: client, stream: "document-split")
        var order = Array(docs.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.int(below: i + 1)) }
        let nv = Int((Double(docs.count) * fractions.valid).rounded()), nt = Int((Double(docs.count) * fractions.test).rounded())
        let valid = order[0..<nv].sorted().map { docs[$0] }
        let test = order[nv..<nv + nt].sorted().map { docs[$0] }
        let train = order[(nv + nt)...].sorted().map { docs[$0] }
        return (train, valid, test)
    }

    /// Documents joined with a blank line, then tokenized.
    package static func tokens(_ docs: [String], _ tok: Tokenizer) -> [Int32] { tok.encode(docs.joined(separator: "\n\n")) }
}
