import Tensor

/// FlexLoRA (DESIGN §4; Bai et al. 2024) as the original's Table 2 runs it: clients' MLP LoRA
/// has different ranks r_i. The server forms each MLP location's full update
/// ΔW = Σ_i w_i · s_i · B_i A_i (w_i ∝ the client's training tokens), takes its SVD, and sends
/// client i the best rank-r_i approximation, with the singular values split evenly between B
/// and A. The attention LoRA has rank 8 on every client and is averaged uniformly. Every client
/// starts from the server's initial A (its leading rows).
public struct FlexLoRA: CollaborationStrategy {
    /// LoRA rank per client (one value for all, or one per client).
    public var ranks: [Int]
    /// Rank of the attention LoRA on every client.
    public var attentionRank: Int
    public init(ranks: [Int] = [8], attentionRank: Int = 8) {
        self.ranks = ranks
        self.attentionRank = attentionRank
    }
    public var name: String { "flexlora" }
    public func adapters(client: Int) -> AdapterConfig {
        var a = AdapterConfig(rank: ranks.count == 1 ? ranks[0] : ranks[client])
        a.attentionRank = attentionRank
        return a
    }
    public func shares(_ role: ParamRole) -> Bool { role.isLoRA }
    public var aggregator: any Aggregator { Server() }

    struct Server: Aggregator {
        /// Each client gets a rank-r_i truncation of the product, not the mean of the factors.
        var averagesUpdates: Bool { false }

        func combine(_ arrivals: [Arrival], into receivers: [SharedState], round: Int) {
            guard !arrivals.isEmpty else {
                for r in receivers { r.restoreReceived() }  // the global is unchanged
                return
            }
            let (mlp, attention) = HetLoRA.Server.layout(arrivals[0].state.parameters)
            WeightedMean.combine(attention, arrivals, into: receivers)
            let sizes = arrivals.map { $0.weight * Double($0.dataSize) }, total = sizes.reduce(0, +)
            for (ka, kb) in mlp {
                let a0 = arrivals[0].state.parameters[ka].value, b0 = arrivals[0].state.parameters[kb].value
                let (outF, inF) = (b0.shape[0], a0.shape[1])
                let dW = Tensor([outF, inF])
                for (arrival, size) in zip(arrivals, sizes) {
                    let a = arrival.state.parameters[ka].value, b = arrival.state.parameters[kb].value
                    MatMul.gemm(m: outF, n: inF, k: a.shape[0], alpha: Float(size / total) * arrival.state.loraScale,
                              b.ptr, lda: a.shape[0], a.ptr, ldb: inF, beta: 1, dW.ptr, ldc: inF)
                }
                let svd = SVD(dW.ptr, rows: outF, cols: inF)
                for r in receivers { Self.truncate(svd, into: r.parameters[ka].value, r.parameters[kb].value, scale: r.loraScale) }
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
