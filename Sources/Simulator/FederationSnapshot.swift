import Tensor

/// What changes in one client while a federation trains, besides tensors.
public struct ClientSnapshot: Sendable, Equatable {
    public var rng: UInt64
    public var steps: Int
    public var optimizerSteps: Int
    public var routerOptimizerSteps: Int?
    public var batchesDrawn: [ClientData.Split: Int]
    /// Active rank per MLP LoRA location (HetLoRA's pruning).
    public var ranks: [Int]
    public var lastLoss: Double?
    public var failure: String?

    public init(rng: UInt64, steps: Int, optimizerSteps: Int, routerOptimizerSteps: Int?, batchesDrawn: [ClientData.Split: Int],
                ranks: [Int], lastLoss: Double?, failure: String?) {
        self.rng = rng
        self.steps = steps
        self.optimizerSteps = optimizerSteps
        self.routerOptimizerSteps = routerOptimizerSteps
        self.batchesDrawn = batchesDrawn
        self.ranks = ranks
        self.lastLoss = lastLoss
        self.failure = failure
    }
}

/// Checkpoints: every tensor that training changes — each client's
/// adapters and routers, its optimizer moments, the server's state — by a
/// stable name, and each client's counters and batch stream. The frozen base
/// and everything fixed at construction are rebuilt from the scenario.
extension Federation {
    public func tensors() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        // Moments not made yet are zero: one zero tensor per shape stands for all of them.
        var zeros: [[Int]: Tensor] = [:]
        func moments(_ o: AdamW) -> [(m: Tensor, v: Tensor)] {
            o.moments ?? o.shapes.map { shape in
                let z = zeros[shape] ?? Tensor(shape)
                zeros[shape] = z
                return (z, z)
            }
        }
        for (i, c) in clients.enumerated() {
            for p in c.own { out.append(("client\(i).\(p.name)", p.value)) }
            // Under the original's alternating update gradients carry over between steps (and rounds).
            if strategy.routerSchedule?.leaksGradients == true {
                for p in c.own { out.append(("client\(i).grad.\(p.name)", p.grad)) }
            }
            for (k, (m, v)) in moments(c.optimizer).enumerated() {
                out += [("client\(i).adam.m.\(k)", m), ("client\(i).adam.v.\(k)", v)]
            }
            if let r = c.routerOptimizer {
                for (k, (m, v)) in moments(r).enumerated() {
                    out += [("client\(i).router_adam.m.\(k)", m), ("client\(i).router_adam.v.\(k)", v)]
                }
            }
        }
        for (k, t) in aggregator.snapshot().enumerated() { out.append(("server.\(k)", t)) }
        return out
    }

    public func clientSnapshots() -> [ClientSnapshot] {
        clients.map { c in
            ClientSnapshot(rng: c.rng.state, steps: c.steps, optimizerSteps: c.optimizer.steps, routerOptimizerSteps: c.routerOptimizer?.steps,
                           batchesDrawn: c.batchesDrawn, ranks: c.rank.ranks, lastLoss: c.lastLoss, failure: c.failure)
        }
    }

    /// Restores a checkpoint: `read(name, into)` fills a tensor by name; `server`
    /// tensors (by index) hold the aggregator's state.
    public func restore(_ snapshots: [ClientSnapshot], server: [Tensor], read: (String, Tensor) throws -> Void) throws {
        precondition(snapshots.count == clients.count, "checkpoint holds \(snapshots.count) clients, the run has \(clients.count)")
        // Step counts first: an optimizer past step 0 holds the moments the tensors are read into
        // (one before it reads its zeros into a scratch tensor).
        for (c, s) in zip(clients, snapshots) {
            c.optimizer.restore(steps: s.optimizerSteps)
            if let r = s.routerOptimizerSteps { c.routerOptimizer?.restore(steps: r) }
        }
        for (name, t) in tensors() where !name.hasPrefix("server.") { try read(name, t) }
        for (c, s) in zip(clients, snapshots) {
            c.rng = RNG(state: s.rng)
            c.steps = s.steps
            c.batchesDrawn = s.batchesDrawn
            c.rank.ranks = s.ranks
            c.lastLoss = s.lastLoss
            c.failure = s.failure
        }
        aggregator.restore(server)
    }
}

/// A checkpoint's `clients[i]` in `state.json`: the RNG state as a decimal string (a JSON number
/// holds only 53 bits), the batches drawn per split as an object in split order.
extension ClientSnapshot: Codable {
    enum CodingKeys: String, CodingKey {
        case rng, steps, optimizerSteps = "optimizer_steps", routerOptimizerSteps = "router_optimizer_steps"
        case batchesDrawn = "batches", ranks, lastLoss = "last_loss", failure
    }

    struct SplitKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let text = try c.decode(String.self, forKey: .rng)
        guard let rng = UInt64(text) else {
            throw DecodingError.dataCorruptedError(forKey: .rng, in: c, debugDescription: "not an RNG state: \(text)")
        }
        let batches = try c.nestedContainer(keyedBy: SplitKey.self, forKey: .batchesDrawn)
        var drawn: [ClientData.Split: Int] = [:]
        for split in ClientData.Split.allCases { drawn[split] = try batches.decode(Int.self, forKey: SplitKey(stringValue: split.rawValue)) }
        self.init(rng: rng, steps: try c.decode(Int.self, forKey: .steps), optimizerSteps: try c.decode(Int.self, forKey: .optimizerSteps),
                  routerOptimizerSteps: try c.decodeIfPresent(Int.self, forKey: .routerOptimizerSteps), batchesDrawn: drawn,
                  ranks: try c.decode([Int].self, forKey: .ranks), lastLoss: try c.decodeIfPresent(Double.self, forKey: .lastLoss),
                  failure: try c.decodeIfPresent(String.self, forKey: .failure))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(String(rng), forKey: .rng)
        try c.encode(steps, forKey: .steps)
        try c.encode(optimizerSteps, forKey: .optimizerSteps)
        try c.encodeIfPresent(routerOptimizerSteps, forKey: .routerOptimizerSteps)
        var batches = c.nestedContainer(keyedBy: SplitKey.self, forKey: .batchesDrawn)
        for split in ClientData.Split.allCases { try batches.encode(batchesDrawn[split] ?? 0, forKey: SplitKey(stringValue: split.rawValue)) }
        try c.encode(ranks, forKey: .ranks)
        try c.encodeIfPresent(lastLoss, forKey: .lastLoss)
        try c.encodeIfPresent(failure, forKey: .failure)
    }
}
