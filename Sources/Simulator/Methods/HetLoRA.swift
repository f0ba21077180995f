import Tensor

/// HetLoRA (docs/design.md §4; Cho et al. 2024) as the original runs it (`HetLoraAggregationStrategy`,
/// `collab_runscripts/table2`): clients' MLP LoRA has different ranks r_i; the attention LoRA
/// has rank 8 everywhere, is averaged uniformly and takes no part in regularising or pruning.
/// - Training adds λ·‖A[tail]‖·‖B[:, tail]‖ per MLP LoRA location, over the last ⌈(1−γ)·ρ⌉
///   of the ρ slots that location uses (γ = 0.99).
/// - Self-pruning, per location: when a client's tail norm product there is below the
///   server's (previous global, same slots), that location drops its tail slots for good.
/// - The server zero-pads every MLP A (ρ × in) and B (out × ρ) to the largest rank and averages
///   each matrix with its own weights ∝ its Frobenius norm (‖A_i‖/Σ_j‖A_j‖ for A, likewise for
///   B), then sends each client every location's first ρ slots back.
/// Every client starts from the server's initial A (its leading rows), as the original's
/// clients synchronise from the server model before training.
public struct HetLoRA: CollaborationStrategy {
    public var ranks: [Int]
    public var lambda: Float
    public var gamma: Double
    /// Rank of the attention LoRA on every client.
    public var attentionRank: Int

    public init(ranks: [Int] = [8], lambda: Float = 0.01, gamma: Double = 0.99, attentionRank: Int = 8) {
        self.ranks = ranks
        self.lambda = lambda
        self.gamma = gamma
        self.attentionRank = attentionRank
    }

    public var name: String { Self.descriptor.name }
    public func adapters(client: Int) -> AdapterConfig {
        var a = AdapterConfig(rank: ranks.count == 1 ? ranks[0] : ranks[client])
        a.attentionRank = attentionRank
        return a
    }
    public func shares(_ role: ParamRole) -> Bool { role.isLoRA }
    public var aggregator: any Aggregator { Server(gamma: gamma) }

    /// Slots in the regularised tail of a rank-ρ LoRA.
    static func tail(_ rho: Int, gamma: Double) -> Int { min(rho, max(1, Int((Double(rho) * (1 - gamma)).rounded(.up)))) }

    /// ‖A[rows lo..<hi]‖_F and ‖B[:, lo..<hi]‖_F.
    static func tailNorms(_ a: Tensor, _ b: Tensor, _ lo: Int, _ hi: Int) -> (Float, Float) {
        let n = a.shape[1], r = b.shape[1]
        var sa: Float = 0, sb: Float = 0
        for j in lo..<hi { for i in 0..<n { sa += a.ptr[j * n + i] * a.ptr[j * n + i] } }
        for row in 0..<b.shape[0] { for j in lo..<hi { sb += b.ptr[row * r + j] * b.ptr[row * r + j] } }
        return (sa.squareRoot(), sb.squareRoot())
    }

    /// ‖A[tail]‖·‖B[:, tail]‖ of one location using ρ slots.
    static func tailProduct(_ a: Tensor, _ b: Tensor, rank rho: Int, gamma: Double) -> Float {
        let (na, nb) = tailNorms(a, b, rho - tail(rho, gamma: gamma), rho)
        return na * nb
    }

    /// Adds λ·d(‖A_t‖‖B_t‖) at every MLP location: ∂/∂A_t = λ‖B_t‖·A_t/‖A_t‖, ∂/∂B_t = λ‖A_t‖·B_t/‖B_t‖.
    public func regularize(_ model: GPT, ranks: [Int]) {
        for ((a, b), rho) in zip(mlpLoRAPairs(model.parameters), ranks) where a.requiresGrad && b.requiresGrad {
            let t = Self.tail(rho, gamma: gamma)
            let (na, nb) = Self.tailNorms(a.value, b.value, rho - t, rho)
            guard na > 0, nb > 0 else { continue }
            let n = a.value.shape[1], r = b.value.shape[1]
            for j in (rho - t)..<rho {
                for i in 0..<n { a.grad.ptr[j * n + i] += lambda * nb / na * a.value.ptr[j * n + i] }
                for row in 0..<b.value.shape[0] { b.grad.ptr[row * r + j] += lambda * na / nb * b.value.ptr[row * r + j] }
            }
        }
    }

    /// The server keeps the global (MLP LoRA at the largest rank, attention LoRA) between rounds.
    final class Server: Aggregator, @unchecked Sendable {
        let gamma: Double
        var global: [Tensor]?

        init(gamma: Double) { self.gamma = gamma }

        /// Norm-weighted, zero-padded and truncated to each client's rank: not a plain mean.
        var averagesUpdates: Bool { false }

        func snapshot() -> [Tensor] { global ?? [] }
        func restore(_ state: [Tensor]) { global = state.isEmpty ? nil : state }

        func combine(_ arrivals: [Arrival], into receivers: [SharedState], round: Int) {
            guard !arrivals.isEmpty else {
                // The global is unchanged: truncated to each current rank, or (before any
                // aggregation) what each client received at the start.
                for r in receivers {
                    if let g = global { Self.send(g, to: r) } else { r.restoreReceived() }
                }
                return
            }
            let (mlp, attention) = LoRALayout.of(arrivals[0].state.parameters)
            let rMax = receivers.map { $0.parameters[mlp.first?.a ?? 0].value.shape[0] }.max()!
            let template = receivers.first { $0.parameters[mlp.first?.a ?? 0].value.shape[0] == rMax }!.parameters
            // Self-pruning against the previous global, location by location.
            if let g = global {
                for a in arrivals {
                    for (l, pair) in mlp.enumerated() {
                        let rho = a.state.rank.ranks[l], t = HetLoRA.tail(rho, gamma: gamma)
                        guard rho > t else { continue }  // keep at least one slot
                        let own = HetLoRA.tailProduct(a.state.parameters[pair.a].value, a.state.parameters[pair.b].value, rank: rho, gamma: gamma)
                        if own < HetLoRA.tailProduct(g[pair.a], g[pair.b], rank: rho, gamma: gamma) { a.state.rank.ranks[l] = rho - t }
                    }
                }
            }
            let g = template.map { Tensor($0.value.shape) }
            // Each MLP matrix: Σ_i w_i·pad(M_i) with w_i ∝ ‖M_i‖_F over the slots in use.
            for (l, pair) in mlp.enumerated() {
                for k in [pair.a, pair.b] {
                    let norms = arrivals.map { $0.weight * Double(Self.norm($0.state.parameters[k], rank: $0.state.rank.ranks[l])) }
                    let total = norms.reduce(0, +)
                    for (a, w) in zip(arrivals, norms) where total > 0 {
                        Self.addPadded(a.state.parameters[k], rank: a.state.rank.ranks[l], scale: Float(w / total), into: g[k])
                    }
                }
            }
            for k in attention { for a in arrivals { g[k].add(a.state.parameters[k].value, scale: Float(a.weight)) } }
            global = g
            for r in receivers { Self.send(g, to: r) }
        }

        /// ‖M‖_F over the first `rank` slots (rows of A, columns of B).
        static func norm(_ p: Parameter, rank rho: Int) -> Float {
            let v = p.value
            var sum: Float = 0
            if p.role.loraFactor == .a {
                for i in 0..<(rho * v.shape[1]) { sum += v.ptr[i] * v.ptr[i] }
            } else {
                let r = v.shape[1]
                for row in 0..<v.shape[0] { for j in 0..<rho { sum += v.ptr[row * r + j] * v.ptr[row * r + j] } }
            }
            return sum.squareRoot()
        }

        /// t += scale · M zero-padded from `rank` slots to t's rank.
        static func addPadded(_ p: Parameter, rank rho: Int, scale: Float, into t: Tensor) {
            let v = p.value
            if p.role.loraFactor == .a {
                for i in 0..<(rho * v.shape[1]) { t.ptr[i] += scale * v.ptr[i] }
            } else {
                let r = v.shape[1], rg = t.shape[1]
                for row in 0..<v.shape[0] { for j in 0..<rho { t.ptr[row * rg + j] += scale * v.ptr[row * r + j] } }
            }
        }

        /// Each MLP location's first ρ_l slots of g (zeros after), and the attention LoRA, into r.
        static func send(_ g: [Tensor], to r: SharedState) {
            let (mlp, attention) = LoRALayout.of(r.parameters)
            for (l, pair) in mlp.enumerated() {
                for k in [pair.a, pair.b] { truncate(g[k], into: r.parameters[k], rank: r.rank.ranks[l]) }
            }
            for k in attention { r.parameters[k].value.copy(from: g[k]) }
        }

        /// The first `rank` slots of t into p, zeros after.
        static func truncate(_ t: Tensor, into p: Parameter, rank rho: Int) {
            let v = p.value
            v.zero()
            if p.role.loraFactor == .a {
                v.ptr.update(from: t.ptr, count: rho * v.shape[1])
            } else {
                let r = v.shape[1], rg = t.shape[1]
                for row in 0..<v.shape[0] { for j in 0..<rho { v.ptr[row * r + j] = t.ptr[row * rg + j] } }
            }
        }
    }
}

extension HetLoRA {
    public static let descriptor = MethodDescriptor("hetlora", experts: .fixed(1), perClientRanks: true) { o in HetLoRA(ranks: o.ranks, lambda: o.hetLambda, gamma: o.hetGamma) }
}
