import Tensor

/// HetLoRA (DESIGN §4): clients with different LoRA ranks r_i.
/// - Training adds λ·‖A[tail]‖·‖B[:, tail]‖ per LoRA, over the last ⌈(1−γ)·ρ⌉
///   of the ρ slots in use (γ = 0.99), pushing the tail towards zero.
/// - Self-pruning: a client whose summed tail norm product is below the
///   server's (previous global, same slots) drops those tail slots for good.
/// - The server zero-pads every A (ρ_i × in) and B (out × ρ_i) to the largest
///   rank, averages them with weights ∝ the client's ‖ΔW‖_F = ‖s·B·A‖_F, and
///   sends each client the first ρ_i slots back.
public struct HetLoRA: CollaborationStrategy {
    public var ranks: [Int]
    public var lambda: Float
    public var gamma: Double

    public init(ranks: [Int] = [8], lambda: Float = 0.01, gamma: Double = 0.99) {
        self.ranks = ranks
        self.lambda = lambda
        self.gamma = gamma
    }

    public var name: String { "hetlora" }
    public func adapters(client: Int) -> AdapterConfig { AdapterConfig(rank: ranks.count == 1 ? ranks[0] : ranks[client]) }
    public func shares(_ role: ParamRole) -> Bool { role.isLoRA }
    /// Ranks differ, so every client starts from its own initialisation.
    public func startsInCommon(_ role: ParamRole) -> Bool { false }
    public var aggregator: any Aggregator { Server(gamma: gamma) }

    /// Slots in the regularised tail of a rank-ρ LoRA.
    static func tail(_ rho: Int, gamma: Double) -> Int { min(rho, max(1, Int((Double(rho) * (1 - gamma)).rounded(.up)))) }

    /// (A, B) pairs in model order.
    static func pairs(_ ps: [Parameter]) -> [(a: Parameter, b: Parameter)] {
        let lora = ps.filter { $0.role.isLoRA }
        return stride(from: 0, to: lora.count, by: 2).map { (lora[$0], lora[$0 + 1]) }
    }

    /// ‖A[rows lo..<hi]‖_F and ‖B[:, lo..<hi]‖_F.
    static func tailNorms(_ a: Tensor, _ b: Tensor, _ lo: Int, _ hi: Int) -> (Float, Float) {
        let n = a.shape[1], r = b.shape[1]
        var sa: Float = 0, sb: Float = 0
        for j in lo..<hi { for i in 0..<n { sa += a.ptr[j * n + i] * a.ptr[j * n + i] } }
        for row in 0..<b.shape[0] { for j in lo..<hi { sb += b.ptr[row * r + j] * b.ptr[row * r + j] } }
        return (sa.squareRoot(), sb.squareRoot())
    }

    /// Σ over LoRAs of ‖A[tail]‖·‖B[:, tail]‖ for the slots in use.
    static func tailProduct(_ pairs: [(a: Tensor, b: Tensor)], rank rho: Int, gamma: Double) -> Float {
        let t = tail(rho, gamma: gamma)
        return pairs.reduce(0) { acc, p in let (na, nb) = tailNorms(p.a, p.b, rho - t, rho); return acc + na * nb }
    }

    /// Adds λ·d(‖A_t‖‖B_t‖): ∂/∂A_t = λ‖B_t‖·A_t/‖A_t‖, ∂/∂B_t = λ‖A_t‖·B_t/‖B_t‖.
    public func regularize(_ model: GPT, rank rho: Int) {
        let t = Self.tail(rho, gamma: gamma)
        for (a, b) in Self.pairs(model.parameters) where a.requiresGrad && b.requiresGrad {
            let (na, nb) = Self.tailNorms(a.value, b.value, rho - t, rho)
            guard na > 0, nb > 0 else { continue }
            let n = a.value.shape[1], r = b.value.shape[1]
            for j in (rho - t)..<rho {
                for i in 0..<n { a.grad.ptr[j * n + i] += lambda * nb / na * a.value.ptr[j * n + i] }
                for row in 0..<b.value.shape[0] { b.grad.ptr[row * r + j] += lambda * na / nb * b.value.ptr[row * r + j] }
            }
        }
    }

    /// The server keeps the global A and B at the largest rank between rounds.
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
                // aggregation) each client's own start, which HetLoRA does not share.
                for r in receivers {
                    if let g = global { Self.truncate(g, into: r.parameters, rank: r.rank.rank) } else { r.restoreReceived() }
                }
                return
            }
            let rMax = receivers.map { $0.parameters[0].value.shape[0] }.max()!
            let template = receivers.first { $0.parameters[0].value.shape[0] == rMax }!.parameters
            // Self-pruning against the previous global.
            if let g = global {
                let gPairs = stride(from: 0, to: g.count, by: 2).map { (a: g[$0], b: g[$0 + 1]) }
                for a in arrivals {
                    let rho = a.state.rank.rank, t = HetLoRA.tail(rho, gamma: gamma)
                    guard rho > t else { continue }  // keep at least one slot
                    let own = HetLoRA.pairs(a.state.parameters).map { (a: $0.a.value, b: $0.b.value) }
                    if HetLoRA.tailProduct(own, rank: rho, gamma: gamma) < HetLoRA.tailProduct(gPairs, rank: rho, gamma: gamma) {
                        a.state.rank.rank = rho - t
                    }
                }
            }
            // Norm-weighted mean of the zero-padded factors.
            let norms = arrivals.map { $0.weight * Double(Self.updateNorm($0.state)) }
            let total = norms.reduce(0, +)
            let g = template.map { Tensor($0.value.shape) }
            for (a, w) in zip(arrivals, norms) where total > 0 {
                Self.addPadded(a.state.parameters, rank: a.state.rank.rank, scale: Float(w / total), into: g)
            }
            global = g
            for r in receivers { Self.truncate(g, into: r.parameters, rank: r.rank.rank) }
        }

        /// ‖ΔW‖_F over all LoRAs: √Σ ‖s·B·A‖²_F (slots in use only).
        static func updateNorm(_ s: SharedState) -> Float {
            var sum: Float = 0
            for (a, b) in HetLoRA.pairs(s.parameters) {
                let (outF, inF, r) = (b.value.shape[0], a.value.shape[1], a.value.shape[0])
                let w = Tensor([outF, inF])
                MatMul.gemm(m: outF, n: inF, k: s.rank.rank, alpha: s.loraScale, b.value.ptr, lda: r, a.value.ptr, ldb: inF, w.ptr, ldc: inF)
                sum += FastMath.dot(w.ptr, w.ptr, count: w.count)
            }
            return sum.squareRoot()
        }

        /// g += scale · (A, B) zero-padded from `rank` slots to g's rank.
        static func addPadded(_ ps: [Parameter], rank rho: Int, scale: Float, into g: [Tensor]) {
            for (k, p) in ps.enumerated() {
                let v = p.value, t = g[k]
                if p.role.loraFactor == .a {
                    for i in 0..<(rho * v.shape[1]) { t.ptr[i] += scale * v.ptr[i] }
                } else {
                    let r = v.shape[1], rg = t.shape[1]
                    for row in 0..<v.shape[0] { for j in 0..<rho { t.ptr[row * rg + j] += scale * v.ptr[row * r + j] } }
                }
            }
        }

        /// The first `rank` slots of g into ps, zeros after.
        static func truncate(_ g: [Tensor], into ps: [Parameter], rank rho: Int) {
            for (k, p) in ps.enumerated() {
                let v = p.value, t = g[k]
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
}
