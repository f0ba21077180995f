import Experiments
import Foundation
import Tensor

enum TraceCommand {
    static let usage = """
        usage: comigs trace RUN_DIR --client I|all [--client J ...] --layer L [--text FILE | --tokens N] [--out FILE]

        The paper's routing picture: every token of a text drawn in a box coloured by the
        expert its router chose first at layer L (0-based) — for CoMiGS by role, generalists
        blue and specialists orange; for the other mixtures (pFedMoE, FedAvg-MoE, Local-MoE)
        one colour per expert, named "expert e" — darker the surer the router. Loads the run's
        base (scenario.json model.base) and each client's adapters
        (RUN_DIR/clients/client-I.safetensors) and runs the text in windows of the model's
        context. The text is FILE's bytes (byte-level tokens) or the first N tokens (default
        256) of the client's test split. --client repeats, or `all`: one panel per client with
        a router. A run whose method has no router (one expert, or experts averaged: Local,
        FedAvg, PCL, FlexLoRA, HetLoRA, …) is refused. Writes RUN_DIR/trace_client<I>_layer<L>.svg
        (or --out) and prints its path.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--client", "--layer", "--text", "--tokens", "--out"])
        guard a.positional.count == 1, let dir = a.positional.first else {
            throw Misuse(description: "exactly one RUN_DIR is required")
        }
        let picks = a.all("--client")
        guard !picks.isEmpty else { throw Misuse(description: "--client I (or all) is required") }
        guard a.string("--layer") != nil else { throw Misuse(description: "--layer L is required") }
        if a.string("--text") != nil && a.string("--tokens") != nil {
            throw Misuse(description: "give --text or --tokens, not both")
        }
        let run = try RunResults(dir)
        let method = try RunMethod(run)
        if let none = method.withoutRouter { throw UsageError(description: "trace: \(none): there is no routing to draw") }
        let clients = try picks.flatMap { try $0 == "all" ? allClients(run, method) : [client($0, run, method)] }
        let base = try loadBase(run)
        let layer = try a.int("--layer", default: 0, range: 0...base.model.config.nLayer - 1)
        let count = try a.int("--tokens", default: 256, range: 1...1_000_000)
        let text = try a.string("--text").map { f -> (label: String, tokens: [Int32]) in
            guard let d = FileManager.default.contents(atPath: f) else { throw UsageError(description: "trace: cannot read \(f)") }
            return ("text \(URL(fileURLWithPath: f).lastPathComponent)", d.map { Int32($0) })
        }
        let svg = try picture(run, method, base: base, clients: clients, layer: layer, text: text, count: count)
        let tag = picks == ["all"] ? "all" : clients.map(String.init).joined(separator: "+")
        let out = a.string("--out") ?? "\(dir)/trace_client\(tag)_layer\(layer).svg"
        try svg.write(to: out)
        print(out)
    }

    /// The run's base model (scenario.json model.base, a path from the current folder).
    /// Errors: no model.base, an unreadable checkpoint, a vocabulary other than bytes (256).
    static func loadBase(_ run: RunResults) throws -> (path: String, model: GPT) {
        guard let path = run.scenario["model"]?["base"]?.stringValue else {
            throw RunResults.Error(description: "\(run.path)/scenario.json: no model.base")
        }
        let base = try Checkpoint.loadAny(path)
        guard base.config.vocabSize == 256 else {
            throw UsageError(description: "trace: draws byte-level models (vocabulary 256); \(path) has \(base.config.vocabSize)")
        }
        return (path, base)
    }

    /// The routing picture: one panel per client of `clients` (clients with a router), each
    /// routing `text` (labelled tokens) through the client's adapters on `base`, or else the
    /// first `count` tokens of the client's test split; experts named as `method` names them.
    /// Errors: unreadable adapters, data that cannot be read or rebuilt.
    static func picture(_ run: RunResults, _ method: RunMethod, base: (path: String, model: GPT), clients: [Int], layer: Int,
                        text: (label: String, tokens: [Int32])?, count: Int) throws -> SVG {
        // The test splits are read (or the synthetic corpus rebuilt) once for all panels.
        let splits = text == nil ? try testSplits(runDir: run.path) : []
        var panels: [TracePanel] = []
        for c in clients {
            let model = try Checkpoint.loadAdapters(run.adapters(client: c), base: base.model)
            let tokens = try text?.tokens ?? Self.prefix(splits, client: c, count: count)
            let (top1, prob) = route(model, tokens, layer: layer)
            panels.append(TracePanel(title: "client \(c): \(run.clientName(c))", tokens: tokens, top1: top1, prob: prob,
                                     experts: model.adapters.experts))
        }
        return TracePicture.render(title: "\(run.name) (\(run.method)): top-1 expert per token at layer \(layer)",
                                   subtitle: "\(text?.label ?? "test split") · base \(base.path)", panels: panels,
                                   roles: method.roles)
    }

    /// The clients with saved adapters and a router; one without a router (a comigs client
    /// with a single expert) is left out with a note.
    static func allClients(_ run: RunResults, _ method: RunMethod) throws -> [Int] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: run.path + "/clients")) ?? []
        let ids = files.compactMap { f -> Int? in
            guard f.hasPrefix("client-"), f.hasSuffix(".safetensors") else { return nil }
            return Int(f.dropFirst("client-".count).dropLast(".safetensors".count))
        }.sorted()
        guard !ids.isEmpty else { throw RunResults.Error(description: "\(run.path)/clients: no client-<i>.safetensors adapters") }
        for c in ids { if let why = method.withoutRouter(client: c) { note("trace: client \(c) has no router (\(why)); left out") } }
        let routed = ids.filter(method.routes)
        guard !routed.isEmpty else { throw UsageError(description: "trace: no client with adapters in \(run.path)/clients has a router") }
        return routed
    }

    static func client(_ s: String, _ run: RunResults, _ method: RunMethod) throws -> Int {
        guard let c = Int(s), c >= 0 else { throw Misuse(description: "--client: expected a client number or all, got '\(s)'") }
        guard FileManager.default.fileExists(atPath: run.adapters(client: c)) else {
            throw RunResults.Error(description: "\(run.adapters(client: c)): missing (no adapters saved for client \(c)?)")
        }
        if let why = method.withoutRouter(client: c) {
            throw UsageError(description: "trace: client \(c) of this \(method.name) run has no router (\(why)): there is no routing to draw")
        }
        return c
    }

    /// The first `count` tokens of client `client`'s test split of the run's data.
    /// Reads folder data (data.source "folder"); the synthetic corpus is not stored.
    static func tokens(runDir: String, client: Int, count: Int) throws -> [Int32] {
        try prefix(testSplits(runDir: runDir), client: client, count: count)
    }

    /// Every client's test split: the run's own scenario rebuilds (synthetic) or re-reads (folder) exactly its data.
    static func testSplits(runDir: String) throws -> [[Int32]] {
        let s = try Scenario.load(runDir + "/scenario.json")
        return try ScenarioData.load(s.config, vocab: 256, context: 1).clients.map { $0.tokens[.test] ?? [] }
    }

    static func prefix(_ splits: [[Int32]], client: Int, count: Int) throws -> [Int32] {
        guard splits.indices.contains(client) else { throw UsageError(description: "trace: --client \(client): the run has \(splits.count) clients") }
        return Array(splits[client].prefix(count))
    }

    /// Each token's top-1 expert at `layer` and its router probability, the model
    /// run on consecutive windows of its context.
    static func route(_ model: GPT, _ tokens: [Int32], layer: Int) -> (top1: [Int32], prob: [Float]) {
        var top1: [Int32] = [], prob: [Float] = []
        for start in stride(from: 0, to: tokens.count, by: model.config.blockSize) {
            let w = Array(tokens[start..<min(start + model.config.blockSize, tokens.count)])
            _ = w.withUnsafeBufferPointer { model.forward(inputs: $0, targets: nil, batch: 1, time: w.count) }
            let r = model.routes(layer: layer)
            top1 += r.top1
            prob += r.prob
        }
        return (top1, prob)
    }
}
