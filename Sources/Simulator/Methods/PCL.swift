import Tensor

/// PCL, strategy 2 (docs/design.md §4): personalised mixtures. After the 0-based rounds 4, 6, 8, …
/// (`epoch > 3 and epoch % 2 == 0` in the original `collab_run_client_level.py`), client i
/// receives Σ_j W[i][j]·LoRA_j over the clients j that arrived, with trust weights
/// W[i][j] = softmax_j(−perplexity of model j on random windows of client i's validation
/// split). Other rounds only train locally.
public struct PCL: CollaborationStrategy {
    public var rank: Int
    /// MLP experts averaged with no router (the runscript's `-is_no_router` with two).
    public var experts: Int
    /// Random validation windows (of the model's context) scored per (model, client) pair:
    /// the original scores 20 batches of 64.
    public var windows: Int
    /// compat "reference": perplexity as `2.71828 ** loss`, as the original's `eval` computes it.
    public var reference: Bool
    public init(rank: Int = 8, experts: Int = 2, windows: Int = 1280, reference: Bool = false) {
        self.rank = rank
        self.experts = experts
        self.windows = windows
        self.reference = reference
    }
    public var name: String { Self.descriptor.name }
    public func adapters(client: Int) -> AdapterConfig { AdapterConfig(rank: rank, experts: experts, router: .mean) }
    public func shares(_ role: ParamRole) -> Bool { role.isLoRA }
    public func startsInCommon(_ role: ParamRole) -> Bool { false }
    public var aggregator: any Aggregator { Server(windows: windows, reference: reference) }

    /// Rounds (0-based aggregation count) after which PCL mixes: 4, 6, 8, … (of 20 rounds, the
    /// last is 19 and never mixes).
    public static func mixes(round r: Int) -> Bool { r > 3 && r % 2 == 0 }

    /// exp(loss); with `reference`, 2.71828^loss as the original's `eval` computes it.
    public static func perplexity(_ loss: Double, reference: Bool) -> Double {
        reference ? PortableMath.exp(loss * PortableMath.log(2.71828)) : PortableMath.exp(loss)
    }

    struct Server: Aggregator {
        var windows: Int
        var reference: Bool
        /// Personal results (trust mixtures; fused personal and global LoRA), not one global.
        var averagesUpdates: Bool { false }

        func combine(_ arrivals: [Arrival], into receivers: [SharedState], round: Int) {
            // PCL's LoRA is personal: outside mixing rounds, and for a client whose upload was
            // lost, the server sends nothing back and the client keeps its own training.
            guard PCL.mixes(round: round), !arrivals.isEmpty else { return }
            let takers = receivers.filter { r in arrivals.contains { $0.state.client == r.client } }
            let trust = weights(takers, arrivals, round: round)
            // Mix into fresh tensors first: the receivers are also the arrivals.
            let mixed = takers.indices.map { i in
                arrivals[0].state.parameters.indices.map { k in
                    let t = Tensor(arrivals[0].state.parameters[k].value.shape)
                    for (j, a) in arrivals.enumerated() { t.add(a.state.parameters[k].value, scale: Float(trust[i][j])) }
                    return t
                }
            }
            for (r, m) in zip(takers, mixed) { for (p, t) in zip(r.parameters, m) { p.value.copy(from: t) } }
        }

        /// W[i][j] = softmax over j of −ppl(model j, validation of receiver i): every model is
        /// scored on the same `windows` random windows of the receiver's split, drawn from a
        /// stream of that receiver and round.
        func weights(_ takers: [SharedState], _ arrivals: [Arrival], round: Int) -> [[Double]] {
            let batches = takers.map { r in
                var rng = RNG(seed: UInt64(round), client: r.client, stream: "pcl-trust")
                return r.validationWindows(windows, rng: &rng)
            }
            // One task per arriving model (each scores every receiver's windows): tasks never
            // share a model, and each number is computed alone, so the result is the same on
            // any number of workers.
            let loss = arrivals.first.map { a in
                a.state.models.map(arrivals.map(\.state.client)) { m, _ in batches.map { Evaluation.meanLoss(m, $0) } }
            } ?? []
            return takers.indices.map { i in
                let ppl = arrivals.indices.map { j in PCL.perplexity(loss[j][i], reference: reference) }
                let m = ppl.min() ?? 0
                let e = ppl.map { PortableMath.exp(-($0 - m)) }
                let z = e.reduce(0, +)
                return e.map { $0 / z }
            }
        }
    }
}

extension PCL {
    public static let descriptor = MethodDescriptor("pcl", experts: .free(default: 2)) { o in PCL(rank: o.ranks[0], experts: o.experts, windows: o.pclWindows, reference: o.reference) }
}
