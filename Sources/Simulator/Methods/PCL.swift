import Tensor

/// PCL, strategy 2 (DESIGN §4): personalised mixtures. From round 4 on, every
/// second round (rounds 4, 6, 8, … counted from 1), client i receives
/// Σ_j W[i][j]·LoRA_j over the clients j that arrived, with trust weights
/// W[i][j] = softmax_j(−perplexity of model j on client i's validation split).
/// Other rounds only train locally.
public struct PCL: CollaborationStrategy {
    public var rank: Int
    /// Validation windows scored per (model, client) pair: a fixed subset keeps the N² evaluations cheap.
    public var windows: Int
    public init(rank: Int = 8, windows: Int = 8) {
        self.rank = rank
        self.windows = windows
    }
    public var name: String { "pcl" }
    public func adapters(client: Int) -> AdapterConfig { AdapterConfig(rank: rank) }
    public func shares(_ role: ParamRole) -> Bool { role.isLoRA }
    public func startsInCommon(_ role: ParamRole) -> Bool { false }
    public var aggregator: any Aggregator { Server(windows: windows) }

    /// Rounds (0-based aggregation count) in which PCL mixes.
    public static func mixes(round r: Int) -> Bool { r + 1 >= 4 && (r + 1) % 2 == 0 }

    struct Server: Aggregator {
        var windows: Int
        /// Personal results (trust mixtures; fused personal and global LoRA), not one global.
        var averagesUpdates: Bool { false }

        func combine(_ arrivals: [Arrival], into receivers: [SharedState], round: Int) {
            // PCL's LoRA is personal: outside mixing rounds, and for a client whose upload was
            // lost, the server sends nothing back and the client keeps its own training.
            guard PCL.mixes(round: round), !arrivals.isEmpty else { return }
            let takers = receivers.filter { r in arrivals.contains { $0.state.client == r.client } }
            let trust = weights(takers, arrivals)
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

        /// W[i][j] = softmax over j of −ppl(model j, validation of receiver i).
        func weights(_ takers: [SharedState], _ arrivals: [Arrival]) -> [[Double]] {
            takers.map { r in
                let t = r.model.config.blockSize
                let data = Array(r.validation.prefix(windows * t + 1))
                let ppl = arrivals.map { a in data.withUnsafeBufferPointer { Evaluation.evaluate(a.state.model, tokens: $0, context: t).ppl } }
                let m = ppl.min() ?? 0
                let e = ppl.map { PortableMath.exp(-($0 - m)) }
                let z = e.reduce(0, +)
                return e.map { $0 / z }
            }
        }
    }
}
