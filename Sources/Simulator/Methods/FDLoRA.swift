import Tensor

/// FDLoRA (Qi et al. 2024, "FDLoRA: Personalized Federated Learning of Large Language Model
/// via Dual LoRA Tuning"; the ICML version of CoMiGS runs it in `collab_run_client_fd_lora.py`):
/// FedAvg of every LoRA matrix in each round, and after the last round each client fuses its
/// personal MLP LoRA (what it trained in that round, before the server averaged) with the
/// global one: `W = w₀·personal + w₁·global` for every MLP A and B, keeping its personal
/// attention LoRA, as the original code does. (w₀, w₁) ∈ [−1, 1]² minimise the cross-entropy
/// on `windows` random validation windows plus 0.05·mean(|w₀|, |w₁|), from (0, 0), in `budget`
/// evaluations.
///
/// The original searches with nevergrad's NGOpt (budget 10); here a deterministic compass
/// search of the same budget (polls ±step on each weight, step 1, ½, ¼ …) does — README names
/// the departure.
public struct FDLoRA: CollaborationStrategy {
    public var rank: Int
    /// 0-based index of the last aggregation: the one that fuses.
    public var lastRound: Int
    public var windows: Int
    public var budget: Int
    public init(rank: Int = 8, rounds: Int, windows: Int = 64, budget: Int = 10) {
        self.rank = rank
        self.lastRound = rounds - 1
        self.windows = windows
        self.budget = budget
    }
    public var name: String { Self.descriptor.name }
    public func adapters(client: Int) -> AdapterConfig { AdapterConfig(rank: rank) }
    public func shares(_ role: ParamRole) -> Bool { role.isLoRA }
    public var aggregator: any Aggregator { Server(lastRound: lastRound, windows: windows, budget: budget) }

    /// The L1 penalty on the fusion weights (`default_l1_regularization` of the original).
    public static func penalty(_ w: (Double, Double)) -> Double { 0.05 * (abs(w.0) + abs(w.1)) / 2 }

    /// Compass search on [−1, 1]² from (0, 0): `budget` evaluations of `f` in a fixed order;
    /// returns the best point and its value (ties keep the earlier point).
    public static func fusionWeights(budget: Int, _ f: ((Double, Double)) -> Double) -> (w: (Double, Double), value: Double) {
        var best = (w: (0.0, 0.0), value: f((0, 0)))
        var evaluations = 1, step = 1.0
        var seen: [(Double, Double)] = [(0, 0)]
        while evaluations < budget && step > 1e-3 {
            let center = best.w
            for d in [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)] where evaluations < budget {
                let w = (min(1, max(-1, center.0 + step * d.0)), min(1, max(-1, center.1 + step * d.1)))
                guard !seen.contains(where: { $0 == w }) else { continue }
                seen.append(w)
                evaluations += 1
                let v = f(w)
                if v < best.value { best = (w, v) }
            }
            step /= 2
        }
        return best
    }

    struct Server: Aggregator {
        var lastRound: Int
        var windows: Int
        var budget: Int
        /// The last round fuses a personal LoRA into each client: no one global.
        var averagesUpdates: Bool { false }
        var finishesClientsInLastRound: Bool { true }

        func combine(_ arrivals: [Arrival], into receivers: [SharedState], round: Int) {
            guard round == lastRound, !arrivals.isEmpty else { return WeightedMean().combine(arrivals, into: receivers, round: round) }
            let personal = receivers.map { r in r.parameters.map { $0.value.clone() } }
            WeightedMean().combine(arrivals, into: receivers, round: round)
            for (r, own) in zip(receivers, personal) { fuse(r, personal: own) }
        }

        /// Writes w₀·personal + w₁·global into the MLP LoRA and the personal attention LoRA back.
        func fuse(_ r: SharedState, personal: [Tensor]) {
            let global = r.parameters.map { $0.value.clone() }
            let mlp = r.parameters.indices.filter { r.parameters[$0].role.expert != nil }
            for k in r.parameters.indices where !mlp.contains(k) { r.parameters[k].value.copy(from: personal[k]) }
            func set(_ w: (Double, Double)) {
                for k in mlp {
                    let p = r.parameters[k].value
                    p.zero()
                    p.add(personal[k], scale: Float(w.0))
                    p.add(global[k], scale: Float(w.1))
                }
            }
            var rng = RNG(seed: 0, client: r.client, stream: "fdlora-fusion")
            let batch = r.validationWindows(windows, rng: &rng)  // at the model's context: 128 in the original
            let best = FDLoRA.fusionWeights(budget: budget) { w in
                set(w)
                return r.models.with(r.client) { Evaluation.meanLoss($0, batch) } + FDLoRA.penalty(w)
            }
            set(best.w)
        }
    }
}

extension FDLoRA {
    public static let descriptor = MethodDescriptor("fdlora", experts: .fixed(1)) { o in FDLoRA(rank: o.ranks[0], rounds: o.rounds) }
}
