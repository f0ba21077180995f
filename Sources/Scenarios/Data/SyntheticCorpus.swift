import Simulator
import Tensor

/// The built-in synthetic corpus (DESIGN §6): a shared "general" language and
/// one private dialect per client, every token labelled with its origin
/// (0 = general, 1 = the client's dialect) so routing can be scored against
/// the ground truth.
///
/// Both are sparse first-order Markov chains over a byte-sized vocabulary.
/// The general language uses tokens 0..<128; client c's dialect owns a slice
/// of 128..<256 and its own random transitions. A dialect's transition from
/// state s is a mixture: with weight D (the divergence) its private table
/// (successors in its own slice), with weight 1 − D the general table (of s,
/// or of the general "shadow" token a private token stands for). D = 0 makes
/// every dialect the general language; D = 1 a language of its own. Each
/// client's text is a sequence of sentences (lengths uniform in 8...24), each
/// one a dialect sentence with probability P (the private share).
struct SyntheticCorpus {
    struct Spec: Equatable {
        var clients = 4
        /// Tokens per client over all splits (one value for all, or one per client).
        var tokens: [Int] = [200_000]
        var privateShare = 0.5
        var divergence = 1.0
        var seed: UInt64 = 0
        /// Share of each client's tokens in its valid and test splits.
        var validShare = 0.1
        var testShare = 0.1
    }

    static let vocab = 256
    static let generalVocab = 128
    static let branching = 6
    static let sentenceLength = 8...24

    let spec: Spec
    /// successors[s] and their cumulative probabilities, for the general chain.
    let general: MarkovTable
    let dialects: [Dialect]

    struct MarkovTable {
        var next: [[Int32]]
        var cumulative: [[Double]]

        /// A sparse chain over `states` states whose successors come from `targets`.
        init(states: Int, targets: Range<Int>, rng: inout RNG) {
            next = []
            cumulative = []
            for _ in 0..<states {
                let succ = (0..<SyntheticCorpus.branching).map { _ in Int32(targets.lowerBound + rng.int(below: targets.count)) }
                // Skewed weights (exponential draws) make some continuations much likelier.
                let w = (0..<succ.count).map { _ in -PortableMath.log(max(rng.uniformDouble(), 1e-12)) }
                let total = w.reduce(0, +)
                var acc = 0.0
                next.append(succ)
                cumulative.append(w.map { acc += $0 / total; return acc })
            }
        }

        func sample(_ s: Int, _ rng: inout RNG) -> Int32 {
            let u = rng.uniformDouble(), c = cumulative[s]
            return next[s][c.firstIndex { u < $0 } ?? c.count - 1]
        }
    }

    struct Dialect {
        var slice: Range<Int>
        var table: MarkovTable
        /// The general token each private token stands for.
        var shadow: [Int]
    }

    init(_ spec: Spec) {
        self.spec = spec
        var g = RNG(seed: spec.seed, stream: "synthetic-general")
        general = MarkovTable(states: Self.generalVocab, targets: 0..<Self.generalVocab, rng: &g)
        let width = max(8, (Self.vocab - Self.generalVocab) / max(spec.clients, 1))
        dialects = (0..<spec.clients).map { c in
            var r = RNG(seed: spec.seed, client: c, stream: "synthetic-dialect")
            let start = Self.generalVocab + (c * width) % (Self.vocab - Self.generalVocab)
            let slice = start..<min(start + width, Self.vocab)
            return Dialect(slice: slice, table: MarkovTable(states: Self.vocab, targets: slice, rng: &r),
                           shadow: (0..<Self.vocab).map { $0 < Self.generalVocab ? $0 : r.int(below: Self.generalVocab) })
        }
    }

    /// One general-language sentence.
    func generalSentence(_ rng: inout RNG) -> [Int32] {
        let n = Self.sentenceLength.lowerBound + rng.int(below: Self.sentenceLength.count)
        var s = Int32(rng.int(below: Self.generalVocab))
        var out = [s]
        while out.count < n { s = general.sample(Int(s), &rng); out.append(s) }
        return out
    }

    /// One sentence of client c's dialect.
    func dialectSentence(_ c: Int, _ rng: inout RNG) -> [Int32] {
        let d = dialects[c], div = spec.divergence
        let n = Self.sentenceLength.lowerBound + rng.int(below: Self.sentenceLength.count)
        var s = rng.uniformDouble() < div ? Int32(d.slice.lowerBound + rng.int(below: d.slice.count))
                                          : Int32(rng.int(below: Self.generalVocab))
        var out = [s]
        while out.count < n {
            s = rng.uniformDouble() < div ? d.table.sample(Int(s), &rng) : general.sample(d.shadow[Int(s)], &rng)
            out.append(s)
        }
        return out
    }

    /// `count` tokens of client c's text with origin labels, from stream `name`.
    func text(client c: Int, tokens count: Int, stream name: String) -> ([Int32], [UInt8]) {
        var rng = RNG(seed: spec.seed, client: c, stream: "synthetic-text-" + name)
        var tokens: [Int32] = [], origins: [UInt8] = []
        tokens.reserveCapacity(count + 32)
        while tokens.count < count {
            let dialect = rng.uniformDouble() < spec.privateShare
            let s = dialect ? dialectSentence(c, &rng) : generalSentence(&rng)
            tokens.append(contentsOf: s)
            origins.append(contentsOf: repeatElement(dialect ? 1 : 0, count: s.count))
        }
        return (Array(tokens.prefix(count)), Array(origins.prefix(count)))
    }

    /// General-language text only: what the synthetic base model is pretrained on.
    func generalText(tokens count: Int, stream name: String) -> [Int32] {
        var rng = RNG(seed: spec.seed, stream: "synthetic-pretrain-" + name)
        var out: [Int32] = []
        while out.count < count { out.append(contentsOf: generalSentence(&rng)) }
        return Array(out.prefix(count))
    }

    func tokens(of c: Int) -> Int { spec.tokens.count == 1 ? spec.tokens[0] : spec.tokens[c] }

    /// Every client's train/valid/test splits (each split its own stream, so
    /// no split's text depends on another's length).
    func clients() -> [ClientData] {
        (0..<spec.clients).map { c in
            let total = tokens(of: c)
            let nv = Int(Double(total) * spec.validShare), nt = Int(Double(total) * spec.testShare)
            var data = ClientData(name: "client\(c)", tokens: [:])
            for (split, n) in [(ClientData.Split.train, total - nv - nt), (.valid, nv), (.test, nt)] {
                let (t, o) = text(client: c, tokens: n, stream: split.rawValue)
                data.tokens[split] = t
                data.origins[split] = o
            }
            return data
        }
    }

    func meta(for cs: [ClientData]) -> DatasetMeta {
        DatasetMeta(tokenizer: "synthetic", vocab_size: Self.vocab, clients: cs.map(\.name),
                           tokens: cs.map { SplitCounts(train: $0.count(.train), valid: $0.count(.valid), test: $0.count(.test)) },
                           source: "synthetic", split_seed: spec.seed, origins: true,
                           parameters: ["private_share": "\(spec.privateShare)", "divergence": "\(spec.divergence)",
                                        "tokens": spec.tokens.map(String.init).joined(separator: ","),
                                        "general_vocab": "\(Self.generalVocab)", "branching": "\(Self.branching)"])
    }
}

