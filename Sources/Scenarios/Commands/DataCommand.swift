import Foundation
import Simulator
import Tensor

enum DataCommand {
    static let usage = """
        usage: comigs data synth [--clients N] [--tokens T[,T2,...]] [--private-share P] [--divergence D]
                                 [--seed S] [--pretrain-tokens M] --out DIR
               comigs data prepare multilingual|domains|agnews|folders [--out DIR] [--cache DIR]
                                 [--csv FILE] [--source DIR] [--ood] [--seed S]
                                 [--tokenizer byte|gpt2 --vocab vocab.json --merges merges.txt]

        synth writes the built-in synthetic corpus: a general language plus one private
        dialect per client, mixed sentence by sentence with share P of dialect text; D in
        [0, 1] is how far the dialects diverge from the general language (0: not at all).
        T is tokens per client over all splits (80/10/10), one value or one per client.
        Beside every token file it writes *_origin_<id>.bin (uint8, 0 general, 1 dialect),
        and pretrain_{train,valid}.bin with general-language text only (M tokens).

        prepare builds a real corpus into DIR/<num_clients>/ (default DIR: data/<name>):
          multilingual  Debian reference manual in de, fr, it, es (one client per language)
          domains       code (Python stdlib), books (KJV), docs (Python reST), legal (licenses)
          agnews        AG News test CSV (default ../shared/data/agnews/test.csv), one client
                        per class, 1500/200/200 documents; --ood: every client's valid and test
                        split is a uniform mixture of all classes
          folders       --source DIR with one sub-folder of .txt files per client
        Debian texts come from the cache filled by scripts/corpora.sh (default
        $COMIGS_CORPORA or ~/.cache/comigs/corpora). Splits are by document, seeded.
        English prose that is no client's data goes to pretrain_{train,valid}.bin.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--clients", "--tokens", "--private-share", "--divergence", "--seed",
                                             "--pretrain-tokens", "--out", "--cache", "--csv", "--source", "--tokenizer",
                                             "--vocab", "--merges"], switches: ["--ood"])
        switch a.positional.first {
        case "synth": try synth(a)
        default: throw UsageError(description: "data: expected 'synth' or 'prepare'; see 'comigs help data'")
        }
    }

    static func synth(_ a: Arguments) throws {
        guard let out = a.string("--out") else { throw UsageError(description: "data synth: --out is required") }
        var spec = SyntheticCorpus.Spec()
        spec.clients = try a.int("--clients", default: 4, range: 1...1024)
        if let t = a.string("--tokens") {
            let parts = t.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.allSatisfy({ ($0 ?? 0) >= 100 }), parts.count == 1 || parts.count == spec.clients else {
                throw UsageError(description: "--tokens: expected one count ≥ 100, or one per client (\(spec.clients)), got '\(t)'")
            }
            spec.tokens = parts.map { $0! }
        }
        spec.privateShare = try a.double("--private-share", default: 0.5, range: 0...1)
        spec.divergence = try a.double("--divergence", default: 1, range: 0...1)
        spec.seed = UInt64(try a.int("--seed", default: 0, range: 0...Int(Int32.max)))
        let pretrain = try a.int("--pretrain-tokens", default: 2_000_000, range: 0...1_000_000_000)
        let corpus = SyntheticCorpus(spec)
        let clients = corpus.clients()
        try Dataset.write(clients, meta: corpus.meta(for: clients), to: out)
        if pretrain > 0 {
            let dir = Dataset.folder(out, clients: clients.count)
            try TokenFile.write(corpus.generalText(tokens: pretrain * 9 / 10, stream: "train"), to: dir + "/pretrain_train.bin")
            try TokenFile.write(corpus.generalText(tokens: pretrain / 10, stream: "valid"), to: dir + "/pretrain_valid.bin")
        }
        report(clients, dir: Dataset.folder(out, clients: clients.count))
    }

    static func report(_ clients: [ClientData], dir: String) {
        note("client        train      valid       test")
        for c in clients {
            note(c.name.padding(toLength: 10, withPad: " ", startingAt: 0)
                 + [ClientData.Split.train, .valid, .test].map { String(format: "%11d", c.count($0)) }.joined())
        }
        print(dir)
    }
}
