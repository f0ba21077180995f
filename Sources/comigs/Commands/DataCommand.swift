import Experiments
import Foundation
import Simulator
import Tensor

enum DataCommand {
    static let usage = """
        usage: comigs data synth [--clients N] [--tokens T[,T2,...]] [--private-share P] [--divergence D]
                                 [--shared R]
                                 [--seed S] [--pretrain-tokens M] [--context C] --out DIR
               comigs data prepare multilingual|domains|agnews|labelled|folders [--out DIR] [--cache DIR]
                                 [--csv FILE] [--source DIR] [--ood] [--seed S] [--context C]
                                 [--partition natural|iid|dirichlet|shards --clients N --alpha A
                                  --classes-per-client K --size-alpha B]
                                 [--tokenizer byte|gpt2 --vocab vocab.json --merges merges.txt]

        synth writes the built-in synthetic corpus: a general language and one dialect per
        client over the same 256 tokens; each client's text switches between them per token
        (a hidden origin), a long-run share P of it dialect; the dialect's transitions are
        (1 − D)·general + D·private (D 0: no heterogeneity), and the private chain
        R·regional + (1 − R)·the client's own (R: what all dialects share). The general
        language is the same for every seed (the one the committed synthetic bases learned);
        S draws the dialects, the origins and the samples. T is tokens
        per client over all splits (80/10/10), one value or one per client. Beside every
        token file it writes *_origin_<id>.bin (uint8, 0 general, 1 dialect), and
        pretrain_{train,valid}.bin with general-language text only (M tokens); meta.json
        gets the exact Bayes-optimal test perplexity per client (bayes_test_ppl) and the
        general language (general_language). Both commands print which committed base
        (model.base) fits what they wrote.

        prepare builds a real corpus into DIR/<num_clients>/ (default DIR: data/<name>):
          multilingual  Debian reference manual in de, fr, it, es (one client per language)
          domains       code (Python stdlib), books (KJV), docs (Python reST), legal (licenses)
          agnews        --csv FILE: the AG News test CSV (ag_news_csv's test.csv), one client
                        per class, 1500/200/200 documents; --ood: every client's valid and test
                        split is a uniform mixture of all classes
          labelled      --csv FILE: any CSV of label,text rows (more text columns are joined);
                        rows with no text are skipped, their count printed; a row
                        with an empty label is an error
          folders       --source DIR with one sub-folder of UTF-8 .txt files per client
        The agnews and labelled CSVs are read as RFC 4180 (fields may be quoted, "" for a
        quote): a quoted field that never closes, or has text after its closing quote, is
        an error naming the file and the line where the field opens.
        agnews and labelled are partitioned among clients by --partition (seeded):
          natural       one client per label (default; the paper's AG News protocol)
          iid           a shuffle in N equal shares, or shares ~ Dir(B) with --size-alpha B
          dirichlet     label skew: each label's documents shared among N clients ~ Dir(A)
                        (default A 0.5); redrawn until every client has 30 documents
          shards        sorted by label, N·K shards, K random shards per client (default K 2)
        and meta.json records each client's documents per label (also printed). A and B
        range over 1e-6 … 1e6, drawn in logs: 1e-6 gives a label (with B, all documents)
        to one client, 1e3 near-equal shares.
        Debian texts come from the cache filled by scripts/corpora.sh (default
        $COMIGS_CORPORA or ~/.cache/comigs/corpora). Splits are by document, seeded.
        A client with fewer than 100 documents (e.g. one large file) is first cut into
        about 200: blank-line paragraphs, long ones cut at line breaks, spaces or (no
        boundaries) characters, grouped in order to equal sizes; a file's end ends one.
        English prose that is no client's data goes to pretrain_{train,valid}.bin.

        Both commands check what they would write with the rule 'run' applies: every
        client's every split holds at least one window of C + 1 tokens (C: --context,
        default 128, the bundled bases'), and so do pretrain_train.bin and
        pretrain_valid.bin when written (synth: M ≥ 10·(C + 1), or 0 for none); otherwise
        nothing is written and the exit code is 2, naming the client and the split, or the
        file and its token count.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--clients", "--tokens", "--private-share", "--divergence", "--shared", "--seed",
                                             "--pretrain-tokens", "--out", "--cache", "--csv", "--source", "--tokenizer",
                                             "--vocab", "--merges", "--context", "--partition", "--alpha",
                                             "--classes-per-client", "--size-alpha"], switches: ["--ood"])
        if try a.subcommand(["synth", "prepare"]) == "synth" { try synth(a) } else { try prepare(a) }
    }

    static func synth(_ a: Arguments) throws {
        try a.refuseOperands(beyond: 1)
        guard let out = a.string("--out") else { throw Misuse(description: "synth: --out is required") }
        var spec = SyntheticCorpus.Spec()
        spec.clients = try a.int("--clients", default: 4, range: 1...1024)
        if let t = a.string("--tokens") {
            let parts = t.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.allSatisfy({ ($0 ?? 0) >= 100 }), parts.count == 1 || parts.count == spec.clients else {
                throw Misuse(description: "--tokens: expected one count ≥ 100, or one per client (\(spec.clients)), got '\(t)'")
            }
            spec.tokens = parts.map { $0! }
        }
        spec.privateShare = try a.double("--private-share", default: spec.privateShare, range: 0...1)
        spec.divergence = try a.double("--divergence", default: spec.divergence, range: 0...1)
        spec.shared = try a.double("--shared", default: spec.shared, range: 0...1)
        spec.seed = UInt64(try a.int("--seed", default: 0, range: 0...Int(Int32.max)))
        let pretrain = try a.int("--pretrain-tokens", default: 2_000_000, range: 0...1_000_000_000)
        // 90% of M for training, 10% held out.
        let pretrainTokens: [ClientData.Split: Int] = [.train: pretrain * 9 / 10, .valid: pretrain / 10]
        let context = try context(a)
        let corpus = SyntheticCorpus(spec)
        let clients = corpus.clients()
        try checkSplits(clients, context: context)
        if pretrain > 0, let short = Dataset.pretrainingShortfall(pretrainTokens, context: context) {
            // The held-out tenth must hold a window.
            throw UsageError(description: "--pretrain-tokens \(pretrain): \(short); nothing written (give at least "
                             + "\(10 * ClientData.minimumTokens(context: context)), 0 for none, or a shorter --context)")
        }
        try Dataset.write(clients, meta: corpus.meta(for: clients), to: out)
        let dir = Dataset.folder(out, clients: clients.count)
        for split in Dataset.pretrainingSplits where pretrain > 0 {
            let text = corpus.generalText(tokens: pretrainTokens[split]!, stream: split.rawValue)
            try TokenFile.write(text, to: dir + "/" + Dataset.pretrainingFile(split))
        }
        report(clients, documents: nil, dir: dir)
        note(baseAdvice(language: SyntheticCorpus.generalLanguage, tokenizer: "synthetic"))
    }

    static func context(_ a: Arguments) throws -> Int { try a.int("--context", default: 128, range: 1...65_535) }

    /// Refuses a corpus `run` could not use, with `run`'s own rule (`ClientData.shortSplit`).
    static func checkSplits(_ clients: [ClientData], context: Int) throws {
        for (i, c) in clients.enumerated() {
            if let short = c.shortSplit(context: context) {
                throw UsageError(description: "client \(i) (\(c.name)): \(short); nothing written "
                                 + "(give the client more text, or prepare for a shorter --context)")
            }
        }
    }

    static func cacheDir(_ a: Arguments) -> String {
        a.string("--cache") ?? ProcessInfo.processInfo.environment["COMIGS_CORPORA"]
            ?? (NSHomeDirectory() + "/.cache/comigs/corpora")
    }

    static func tokenizer(_ a: Arguments) throws -> Tokenizer {
        switch a.string("--tokenizer") ?? "byte" {
        case "byte": return ByteTokenizer()
        case "gpt2":
            guard let v = a.string("--vocab"), let m = a.string("--merges") else {
                throw Misuse(description: "--tokenizer gpt2 needs --vocab vocab.json and --merges merges.txt")
            }
            return try GPT2Tokenizer(vocab: v, merges: m)
        case let t: throw Misuse(description: "--tokenizer: expected byte or gpt2, got '\(t)'")
        }
    }

    static func prepare(_ a: Arguments) throws {
        guard a.positional.count == 2 else { throw Misuse(description: "prepare: name one corpus") }
        let name = a.positional[1]
        let out = a.string("--out") ?? "data/\(name)"
        let seed = UInt64(try a.int("--seed", default: 0, range: 0...Int(Int32.max)))
        let tok = try tokenizer(a)
        let cache = cacheDir(a)
        var fractions = (valid: 0.1, test: 0.1)
        let context = try context(a)
        var docs: [ClientDocuments]
        switch name {
        case "multilingual": docs = try Corpora.multilingual(cache: cache)
        case "domains": docs = try Corpora.domains(cache: cache)
        case "agnews":
            guard let csv = a.string("--csv") else { throw Misuse(description: "prepare agnews: --csv FILE is required: " + Corpora.agnewsSource) }
            docs = try Corpora.agnews(csv: csv)
            fractions = (200.0 / 1900, 200.0 / 1900)
        case "labelled":
            guard let csv = a.string("--csv") else { throw Misuse(description: "prepare labelled: --csv FILE is required") }
            let read = try Corpora.labelled(csv: csv)
            docs = read.byLabel
            if !read.empty.isEmpty {
                let lines = read.empty.prefix(5).map(String.init).joined(separator: ", ") + (read.empty.count > 5 ? ", …" : "")
                note("\(csv): \(read.empty.count) row(s) with no text skipped, not counted as documents (line(s) \(lines))")
            }
        case "folders":
            guard let src = a.string("--source") else { throw Misuse(description: "prepare folders: --source DIR is required") }
            docs = try Corpora.folders(src)
        default: throw Misuse.unknown("corpus", name, among: ["multilingual", "domains", "agnews", "labelled", "folders"])
        }
        if a.has("--ood") && name != "agnews" { throw Misuse(description: "--ood applies to agnews only") }
        let partition = try self.partition(a, seed: seed, labelled: name == "agnews" || name == "labelled")
        if a.has("--ood") && partition.kind != .natural { throw Misuse(description: "--ood applies to the natural partition only") }
        var perLabel: PerLabel? = nil
        if name == "agnews" || name == "labelled" { (docs, perLabel) = try partitioned(docs, partition) }
        let files = docs.map(\.documents.count)
        docs = docs.map { ClientDocuments(name: $0.name, documents: Segmentation.documents($0.documents)) }
        var splits = docs.enumerated().map { i, d in DocumentSplit.split(d.documents, fractions: fractions, seed: seed, client: i) }
        if a.has("--ood") { splits = outOfDistribution(splits) }
        let clients = zip(docs, splits).map { d, s in
            ClientData(name: d.name, tokens: [.train: DocumentSplit.tokens(s.train, tok), .valid: DocumentSplit.tokens(s.valid, tok),
                                              .test: DocumentSplit.tokens(s.test, tok)])
        }
        var meta = DatasetMeta(tokenizer: tok.name, vocab_size: tok.vocabSize, clients: clients.map(\.name),
                               tokens: clients.map { SplitCounts(train: $0.count(.train), valid: $0.count(.valid), test: $0.count(.test)) },
                               source: name, split_seed: seed, origins: false,
                               parameters: ["ood": "\(a.has("--ood"))",
                                            "documents": docs.map { "\($0.documents.count)" }.joined(separator: ",")]
                                   .merging(perLabel?.record(partition) ?? [:]) { $1 })
        // Every corpus but one's own folders gets English prose to pretrain on (below).
        let language = name == "folders" ? nil : GeneralLanguage.englishProse(tokenizer: tok.name)
        meta.parameters[GeneralLanguage.key] = language
        try checkSplits(clients, context: context)
        // Checked, like the clients' splits, before anything is written.
        var pretraining: [ClientData.Split: [Int32]] = [:]
        if name != "folders" {
            let s = pretrainingSplit(try Corpora.pretraining(cache: cache), seed: seed)
            pretraining = [.train: DocumentSplit.tokens(s.train, tok), .valid: DocumentSplit.tokens(s.valid, tok)]
        }
        if !pretraining.isEmpty, let short = Dataset.pretrainingShortfall(pretraining.mapValues(\.count), context: context) {
            throw UsageError(description: "pretraining prose in \(cache): \(short); nothing written (scripts/corpora.sh fetches it, "
                             + "or prepare for a shorter --context)")
        }
        try Dataset.write(clients, meta: meta, to: out)
        let dir = Dataset.folder(out, clients: clients.count)
        for split in Dataset.pretrainingSplits {
            if let tokens = pretraining[split] { try TokenFile.write(tokens, to: dir + "/" + Dataset.pretrainingFile(split)) }
        }
        report(clients, documents: zip(files, docs).map { ($0, $1.documents.count) }, dir: dir)
        perLabel?.report(clients: clients.map(\.name))
        note(baseAdvice(language: language, tokenizer: tok.name))
    }

    /// Which committed base fits a corpus written in `language` (nil: not known) with `tokenizer`.
    static func baseAdvice(language: String?, tokenizer: String) -> String {
        if let language {
            if let fit = GeneralLanguage.bases(for: language) { return "model.base: \(fit) learned \(GeneralLanguage.describe(language))" }
            return "model.base: no committed base learned \(GeneralLanguage.describe(language)); pretrain one on this folder "
                + "(comigs pretrain --data DIR) or give a GPT-2 checkpoint folder"
        }
        return "model.base: the text's language is not recorded (no pretraining text here); "
            + (tokenizer == "byte" ? "for English or another Latin-script language \(GeneralLanguage.englishBase) fits byte-level text; " : "")
            + "every run checks its base against a unigram model of each client's text at round 0 and warns when it does not fit"
    }

    static func partition(_ a: Arguments, seed: UInt64, labelled: Bool) throws -> Partition {
        var p = Partition()
        let given = ["--partition", "--clients", "--alpha", "--classes-per-client", "--size-alpha"].filter { a.string($0) != nil }
        guard labelled || given.isEmpty else {
            throw Misuse(description: "\(given[0]) applies to the labelled corpora (agnews, labelled) only")
        }
        if let k = a.string("--partition") {
            guard let kind = Partition.Kind(rawValue: k) else {
                throw Misuse(description: "--partition: expected one of \(Partition.Kind.allCases.map(\.rawValue).joined(separator: ", ")), got '\(k)'")
            }
            p.kind = kind
        }
        p.seed = seed
        p.clients = try a.int("--clients", default: 4, range: 1...10_000)
        p.alpha = try a.double("--alpha", default: 0.5, range: 1e-6...1e6)
        p.classesPerClient = try a.int("--classes-per-client", default: 2, range: 1...10_000)
        p.sizeAlpha = try a.string("--size-alpha").map { _ in try a.double("--size-alpha", default: 1, range: 1e-6...1e6) }
        if p.kind == .natural && a.string("--clients") != nil {
            throw Misuse(description: "--clients: the natural partition has one client per label; choose --partition iid, dirichlet or shards")
        }
        if p.kind != .dirichlet && a.string("--alpha") != nil { throw Misuse(description: "--alpha applies to --partition dirichlet") }
        if p.kind != .shards && a.string("--classes-per-client") != nil { throw Misuse(description: "--classes-per-client applies to --partition shards") }
        if p.kind != .iid && p.sizeAlpha != nil { throw Misuse(description: "--size-alpha applies to --partition iid") }
        return p
    }

    /// Each client's documents per label, as `meta.json` records and `prepare` prints them.
    struct PerLabel {
        var labels: [String]
        var counts: [[Int]]

        func record(_ p: Partition) -> [String: String] {
            var r = ["partition": p.kind.rawValue, "labels": labels.joined(separator: "|"),
                     "documents_per_label": counts.map { $0.map(String.init).joined(separator: ",") }.joined(separator: ";")]
            if p.kind == .dirichlet { r["alpha"] = "\(p.alpha)" }
            if p.kind == .shards { r["classes_per_client"] = "\(p.classesPerClient)" }
            if let b = p.sizeAlpha { r["size_alpha"] = "\(b)" }
            return r
        }

        func report(clients: [String]) {
            note("documents per label: " + labels.joined(separator: " | "))
            for (name, c) in zip(clients, counts) {
                note(name.padding(toLength: 10, withPad: " ", startingAt: 0) + c.map { String(format: "%7d", $0) }.joined())
            }
        }
    }

    /// Per-label documents dealt to clients by `p`, and each client's documents per label.
    static func partitioned(_ byLabel: [ClientDocuments], _ p: Partition) throws -> ([ClientDocuments], PerLabel) {
        let labels = byLabel.enumerated().flatMap { k, c in Array(repeating: k, count: c.documents.count) }
        let texts = byLabel.flatMap(\.documents)
        let assigned: [[Int]]
        do { assigned = try p.assign(labels: labels, classes: byLabel.count) } catch { throw UsageError(description: "\(error)") }
        let names = p.kind == .natural ? byLabel.map(\.name) : (0..<assigned.count).map { "client\($0)" }
        let docs = zip(names, assigned).map { name, idx in ClientDocuments(name: name, documents: idx.map { texts[$0] }) }
        let counts = assigned.map { idx in (0..<byLabel.count).map { k in idx.filter { labels[$0] == k }.count } }
        return (docs, PerLabel(labels: byLabel.map(\.name), counts: counts))
    }

    /// The pretraining prose, 95% for training and 5% held out.
    static func pretrainingSplit(_ prose: [String], seed: UInt64) -> (train: [String], valid: [String]) {
        let s = DocumentSplit.split(prose, fractions: (0.05, 0), seed: seed, client: -1)
        return (s.train, s.valid)
    }

    /// AG News's protocol: every client trains on its own class, but its valid
    /// and test splits mix all classes equally — client i takes the i-th share
    /// of every class's valid (test) documents, so clients stay disjoint.
    static func outOfDistribution(_ s: [(train: [String], valid: [String], test: [String])])
        -> [(train: [String], valid: [String], test: [String])] {
        let n = s.count
        func share(_ docs: [String], _ i: Int) -> [String] {
            let per = docs.count / n
            return Array(docs[i * per ..< (i + 1) * per])
        }
        return (0..<n).map { i in
            (s[i].train, s.flatMap { share($0.valid, i) }, s.flatMap { share($0.test, i) })
        }
    }

    /// Token counts per client and split; with `documents`, how many documents each
    /// client's source held and how many it was cut into (`Segmentation`).
    static func report(_ clients: [ClientData], documents: [(source: Int, cut: Int)]?, dir: String) {
        note("client        train      valid       test" + (documents == nil ? "" : "   documents"))
        for (i, c) in clients.enumerated() {
            var line = c.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                + [ClientData.Split.train, .valid, .test].map { String(format: "%11d", c.count($0)) }.joined()
            if let d = documents?[i] { line += "   " + (d.source == d.cut ? "\(d.cut)" : "\(d.source) → \(d.cut)") }
            note(line)
        }
        print(dir)
    }
}
