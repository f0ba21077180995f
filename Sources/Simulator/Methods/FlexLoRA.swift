import Tensor

/// FlexLoRA (docs/design.md §4; Bai et al. 2024) as the original's Table 2 runs it: clients' MLP LoRA
/// has different ranks r_i. The server forms each MLP location's full update
/// ΔW = Σ_i w_i · s_i · B_i A_i (w_i ∝ the client's training tokens), takes its SVD, and sends
/// client i the best rank-r_i approximation, with the singular values split evenly between B
/// and A. The attention LoRA has rank 8 on every client and is averaged uniformly. Every client
/// starts from the server's initial A (its leading rows).
///
/// `reference` (compat "reference"), what `FlexloraAggregationStrategy` and `Server` of the
/// original do: each client's update w_i·(16/r_i)·B_i·A_i is out × in, larger than the server's
/// A, so `update_parameters` resets the accumulator for every client and only the last
/// arrival's term survives; its SVD is split as A = V_Rᵀ and B = U_R·S_R/(16/R) at the server's
/// (largest) rank R, and each client takes the leading r_i slots — while the model scales its
/// LoRA by 16/√r.
public struct FlexLoRA: CollaborationStrategy {
    /// LoRA rank per client (one value for all, or one per client).
    public var ranks: [Int]
    /// Rank of the attention LoRA on every client.
    public var attentionRank: Int
    public var reference: Bool
    public init(ranks: [Int] = [8], attentionRank: Int = 8, reference: Bool = false) {
        self.ranks = ranks
        self.attentionRank = attentionRank
        self.reference = reference
    }
    public var name: String { Self.descriptor.name }
    public func adapters(client: Int) -> AdapterConfig {
        var a = AdapterConfig(rank: ranks.count == 1 ? ranks[0] : ranks[client])
        a.attentionRank = attentionRank
        return a
    }
    public func shares(_ role: ParamRole) -> Bool { role.isLoRA }
    public var aggregator: any Aggregator { Server(reference: reference) }

    struct Server: Aggregator {
        var reference = false
        /// Each client gets a rank-r_i truncation of the product, not the mean of the factors.
        var averagesUpdates: Bool { false }

        func combine(_ arrivals: [Arrival], into receivers: [SharedState], round: Int) {
            guard !arrivals.isEmpty else {
                for r in receivers { r.restoreReceived() }  // the global is unchanged
                return
            }
            let (mlp, attention) = LoRALayout.of(arrivals[0].state.parameters)
            WeightedMean.combine(attention, arrivals, into: receivers)
            let sizes = arrivals.map { $0.weight * Double($0.dataSize) }, total = sizes.reduce(0, +)
            for (ka, kb) in mlp {
                let a0 = arrivals[0].state.parameters[ka].value, b0 = arrivals[0].state.parameters[kb].value
                let (outF, inF) = (b0.shape[0], a0.shape[1])
                let dW = Tensor([outF, inF])
                for (arrival, size) in zip(arrivals, sizes) {
                    let a = arrival.state.parameters[ka].value, b = arrival.state.parameters[kb].value
                    // The original's merge rate 16/r in place of the model's scale, and a fresh accumulator per client.
                    let scale = reference ? 16 / Float(a.shape[0]) : arrival.state.loraScale
                    MatMul.gemm(m: outF, n: inF, k: a.shape[0], alpha: Float(size / total) * scale,
                              b.ptr, lda: a.shape[0], a.ptr, ldb: inF, beta: reference ? 0 : 1, dW.ptr, ldc: inF)
                }
                let svd = SVD(dW.ptr, rows: outF, cols: inF)
                let serverRank = receivers.map { $0.parameters[ka].value.shape[0] }.max()!
                for r in receivers {
                    if reference {
                        Self.referenceSplit(svd, into: r.parameters[ka].value, r.parameters[kb].value, serverRank: serverRank)
                    } else {
                        Self.truncate(svd, into: r.parameters[ka].value, r.parameters[kb].value, scale: r.loraScale)
                    }
                }
            }
        }

        /// The original's split at server rank R, truncated to the receiver's r slots:
        /// A = V_rᵀ, B = U_r·S_r/(16/R).
        static func referenceSplit(_ svd: SVD, into a: Tensor, _ b: Tensor, serverRank: Int) {
            let r = a.shape[0], k = svd.s.count, (m, n) = (svd.m, svd.n), merge = 16 / Float(serverRank)
            for j in 0..<r {
                for i in 0..<m { b.ptr[i * r + j] = j < k ? svd.u[i * k + j] * svd.s[j] / merge : 0 }
                for i in 0..<n { a.ptr[j * n + i] = j < k ? svd.vt[j * n + i] : 0 }
            }
        }

        /// B = U_r·√(S_r/s), A = √(S_r/s)·V_rᵀ, so s·B·A is the best rank-r approximation.
        static func truncate(_ svd: SVD, into a: Tensor, _ b: Tensor, scale s: Float) {
            let r = a.shape[0], k = svd.s.count, (m, n) = (svd.m, svd.n)
            for j in 0..<r {
                let root = j < k ? (svd.s[j] / s).squareRoot() : 0
                for i in 0..<m { b.ptr[i * r + j] = j < k ? svd.u[i * k + j] * root : 0 }
                for i in 0..<n { a.ptr[j * n + i] = j < k ? svd.vt[j * n + i] * root : 0 }
            }
        }
    }
}

extension FlexLoRA {
    public static let descriptor = MethodDescriptor("flexlora", experts: .fixed(1), perClientRanks: true) { o in FlexLoRA(ranks: o.ranks, reference: o.reference) }
}
