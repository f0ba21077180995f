import Foundation
import Simulator
import Tensor

/// Token counts of one client's splits.
struct SplitCounts: Codable, Equatable {
    var train: Int
    var valid: Int
    var test: Int
}

/// `meta.json` beside the token files.
struct DatasetMeta: Codable, Equatable {
    var tokenizer: String
    var vocab_size: Int
    var clients: [String]
    var tokens: [SplitCounts]
    /// "synthetic", "multilingual", "domains", "agnews", "folders", …
    var source: String
    var split_seed: UInt64
    /// Whether `*_origin_<id>.bin` label files exist (synthetic corpus).
    var origins: Bool
    /// How the data was made (generator knobs, package versions, …), for the record.
    var parameters: [String: String]
}

/// The seed's layout: `<dir>/<num_clients>/{train,valid,test}_<id>.bin`
/// (little-endian uint16), origin labels `{split}_origin_<id>.bin` (uint8), `meta.json`.
enum Dataset {
    static func folder(_ dir: String, clients: Int) -> String { "\(dir)/\(clients)" }

    static func write(_ clients: [ClientData], meta: DatasetMeta, to dir: String) throws {
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
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(meta).write(to: URL(fileURLWithPath: "\(out)/meta.json"), options: .atomic)
    }

    /// Reads every client of `dir` (the folder holding `<num_clients>/`, or that
    /// folder itself), checking sizes, vocabulary and labels; errors name the file.
    static func read(_ dir: String, clients n: Int? = nil) throws -> (DatasetMeta, [ClientData]) {
        let base = try locate(dir, clients: n)
        let metaPath = base + "/meta.json"
        guard let md = FileManager.default.contents(atPath: metaPath) else {
            throw TokenFile.Error(description: "\(metaPath): missing (not a prepared data folder?)")
        }
        let meta: DatasetMeta
        do { meta = try JSONDecoder().decode(DatasetMeta.self, from: md) } catch {
            throw TokenFile.Error(description: "\(metaPath): malformed: \(error)")
        }
        var clients: [ClientData] = []
        for (id, name) in meta.clients.enumerated() {
            var c = ClientData(name: name, tokens: [:])
            for split in ClientData.Split.allCases {
                let path = "\(base)/\(split.rawValue)_\(id).bin"
                let tokens = try TokenFile.read(path, vocab: meta.vocab_size)
                c.tokens[split] = tokens
                if meta.origins {
                    let op = "\(base)/\(split.rawValue)_origin_\(id).bin"
                    guard let o = FileManager.default.contents(atPath: op) else {
                        throw TokenFile.Error(description: "\(op): missing origin labels")
                    }
                    guard o.count == tokens.count else {
                        throw TokenFile.Error(description: "\(op): \(o.count) labels for \(tokens.count) tokens in \(path)")
                    }
                    if let bad = o.firstIndex(where: { $0 > 1 }) {
                        throw TokenFile.Error(description: "\(op): label \(o[bad]) at offset \(bad) (labels are 0 or 1)")
                    }
                    c.origins[split] = Array(o)
                }
            }
            clients.append(c)
        }
        return (meta, clients)
    }

    static func locate(_ dir: String, clients n: Int?) throws -> String {
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
struct ClientDocuments {
    var name: String
    var documents: [String]
}

/// Deterministic document-level splits: a seeded shuffle of document indices,
/// so no document is in two splits and file order never leaks test text.
enum DocumentSplit {
    static func split(_ docs: [String], fractions: (valid: Double, test: Double), seed: UInt64, client: Int)
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
    static func tokens(_ docs: [String], _ tok: Tokenizer) -> [Int32] { tok.encode(docs.joined(separator: "\n\n")) }
}
