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

/// Checkpoints (issue 8): every tensor that training changes — each client's
/// adapters and routers, its optimizer moments, the server's state — by a
/// stable name, and each client's counters and batch stream. The frozen base
/// and everything fixed at construction are rebuilt from the scenario.
extension Federation {
    public func tensors() -> [(String, Tensor)] {
        var out: [(String, Tensor)] = []
        for (i, c) in clients.enumerated() {
            for p in c.model.parameters where p.role != .base { out.append(("client\(i).\(p.name)", p.value)) }
            // Under the original's alternating update gradients carry over between steps (and rounds).
            if strategy.routerSchedule?.leaksGradients == true {
                for p in c.model.parameters where p.role != .base { out.append(("client\(i).grad.\(p.name)", p.grad)) }
            }
            for (k, (m, v)) in zip(c.optimizer.m, c.optimizer.v).enumerated() {
                out += [("client\(i).adam.m.\(k)", m), ("client\(i).adam.v.\(k)", v)]
            }
            if let r = c.routerOptimizer {
                for (k, (m, v)) in zip(r.m, r.v).enumerated() {
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
        for (name, t) in tensors() where !name.hasPrefix("server.") { try read(name, t) }
        for (c, s) in zip(clients, snapshots) {
            c.rng = RNG(state: s.rng)
            c.steps = s.steps
            c.optimizer.restore(steps: s.optimizerSteps)
            if let r = s.routerOptimizerSteps { c.routerOptimizer?.restore(steps: r) }
            c.batchesDrawn = s.batchesDrawn
            c.rank.ranks = s.ranks
            c.lastLoss = s.lastLoss
            c.failure = s.failure
        }
        aggregator.restore(server)
    }
}
