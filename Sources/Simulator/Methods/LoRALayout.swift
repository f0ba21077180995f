import Tensor

/// Where the LoRA factors sit among a client's shared parameters, found by role: the rank-
/// heterogeneous servers (HetLoRA, FlexLoRA) pad, truncate or re-factor each MLP LoRA as an
/// (A, B) pair and treat the attention LoRA apart.
enum LoRALayout {
    /// Indices into `ps`: the MLP (A, B) pairs in model order, and the attention LoRA's parameters.
    static func of(_ ps: [Parameter]) -> (mlp: [(a: Int, b: Int)], attention: [Int]) {
        let m = ps.indices.filter { ps[$0].role.expert != nil }
        return (stride(from: 0, to: m.count, by: 2).map { (m[$0], m[$0 + 1]) }, ps.indices.filter { ps[$0].role.expert == nil })
    }
}
