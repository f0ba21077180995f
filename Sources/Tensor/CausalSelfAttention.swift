/// Causal self-attention with LoRA (rank r, one copy) on `c_attn` and `c_proj`.
final class CausalSelfAttention {
    let cAttn: LoRALinear, cProj: LoRALinear
    let width: Int, heads: Int
    let flops: FlopCounter
    private var qkv: Tensor?, probs: Tensor?, y: Tensor?
    private var dqkv: Tensor?, dy: Tensor?, scratch: Tensor?
    private var batch = 0, time = 0

    init(_ prefix: String, config: GPTConfig, builder: ParameterBuilder, flops: FlopCounter) {
        let c = config.nEmbd
        width = c
        heads = config.nHead
        self.flops = flops
        let role = { (f: LoRAFactor) in ParamRole.attentionLoRA(f) }
        cAttn = LoRALinear(prefix + ".c_attn", inF: c, outF: 3 * c, std: 0.02, loraRole: role, builder: builder, flops: flops)
        cProj = LoRALinear(prefix + ".c_proj", inF: c, outF: c, std: 0.02 / (2 * Float(config.nLayer)).squareRoot(),
                           loraRole: role, builder: builder, flops: flops)
    }

    func prepare(batch: Int, time: Int) {
        let n = batch * time, c = width
        qkv = sized(qkv, n * 3 * c); dqkv = sized(dqkv, n * 3 * c)
        probs = sized(probs, batch * heads * time * time)
        y = sized(y, n * c); dy = sized(dy, n * c)
        scratch = sized(scratch, time * time)
        cAttn.prepare(n); cProj.prepare(n)
    }

    /// `keep` false: for scoring only, nothing kept for backward.
    func forward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, batch: Int, time: Int, keep: Bool) {
        self.batch = batch
        self.time = time
        let n = batch * time
        cAttn.forward(qkv!.ptr, x, n: n)
        Attention.forward(y!.ptr, probs: probs!.ptr, qkv: qkv!.ptr, batch: batch, time: time, heads: heads, width: width, keep: keep)
        flops.flops += Attention.flops(batch: batch, time: time, width: width).forward
        cProj.forward(out, y!.ptr, n: n)
    }

    /// Writes dx (skipped when nil: nothing below needs it).
    func backward(dx: UnsafeMutablePointer<Float>?, dOut: UnsafePointer<Float>, x: UnsafePointer<Float>) {
        let n = batch * time
        cProj.backward(dx: dy!.ptr, dy: dOut, x: y!.ptr, n: n, overwriteDx: true)
        Attention.backward(dqkv: dqkv!.ptr, dout: dy!.ptr, probs: probs!.ptr, qkv: qkv!.ptr, scratch: scratch!.ptr,
                           batch: batch, time: time, heads: heads, width: width)
        flops.flops += Attention.flops(batch: batch, time: time, width: width).backward
        cAttn.backward(dx: dx, dy: dqkv!.ptr, x: x, n: n, overwriteDx: true)
    }
}

/// A pre-LayerNorm transformer block: x + attn(ln_1(x)), then + mlp(ln_2(·)).
final class Block {
    let ln1Gain: Parameter, ln1Bias: Parameter, ln2Gain: Parameter, ln2Bias: Parameter
    let attn: CausalSelfAttention
    let mlp: MoEMLP
    /// Under `compat: "reference"`: the load-balancing loss re-routes this block's output.
    let balance: BlockOutputBalance?
    let width: Int
    private var input: UnsafePointer<Float>?
    private var ln1: Tensor?, ln1Mean: Tensor?, ln1Rstd: Tensor?, attnOut: Tensor?, x2: Tensor?
    private var ln2: Tensor?, ln2Mean: Tensor?, ln2Rstd: Tensor?, mlpOut: Tensor?, dln: Tensor?
    /// The block's output (the residual stream after it).
    private(set) var out: Tensor?
    private var n = 0

    init(_ prefix: String, config: GPTConfig, builder: ParameterBuilder, flops: FlopCounter) {
        let c = config.nEmbd
        width = c
        ln1Gain = builder.make(prefix + ".ln_1.weight", .base, [c], .ones)
        ln1Bias = builder.make(prefix + ".ln_1.bias", .base, [c], .zeros)
        attn = CausalSelfAttention(prefix + ".attn", config: config, builder: builder, flops: flops)
        ln2Gain = builder.make(prefix + ".ln_2.weight", .base, [c], .ones)
        ln2Bias = builder.make(prefix + ".ln_2.bias", .base, [c], .zeros)
        mlp = MoEMLP(prefix + ".mlp", width: c, inner: config.mlpWidth, projStd: 0.02 / (2 * Float(config.nLayer)).squareRoot(),
                     builder: builder, flops: flops)
        balance = builder.adapters.balancesBlockOutput ? BlockOutputBalance(router: mlp.router) : nil
    }

    func prepare(batch: Int, time: Int) {
        let n = batch * time, c = width
        for t in [\Block.ln1, \.attnOut, \.x2, \.ln2, \.mlpOut, \.dln, \.out] { self[keyPath: t] = sized(self[keyPath: t], n * c) }
        for t in [\Block.ln1Mean, \.ln1Rstd, \.ln2Mean, \.ln2Rstd] { self[keyPath: t] = sized(self[keyPath: t], n) }
        attn.prepare(batch: batch, time: time)
        mlp.prepare(n)
        balance?.prepare(n)
    }

    /// Returns the layer's load-balancing loss. `keep` false: for scoring only, nothing kept for backward.
    func forward(_ x: UnsafePointer<Float>, batch: Int, time: Int, keep: Bool) -> Float {
        n = batch * time
        input = x
        let c = width
        LayerNorm.forward(ln1!.ptr, mean: ln1Mean!.ptr, rstd: ln1Rstd!.ptr, x, gain: ln1Gain.ptr, bias: ln1Bias.ptr, n: n, width: c)
        attn.forward(attnOut!.ptr, ln1!.ptr, batch: batch, time: time, keep: keep)
        Rows.residual(x2!.ptr, x, attnOut!.ptr, count: n * c)
        LayerNorm.forward(ln2!.ptr, mean: ln2Mean!.ptr, rstd: ln2Rstd!.ptr, x2!.ptr, gain: ln2Gain.ptr, bias: ln2Bias.ptr, n: n, width: c)
        let lb = mlp.forward(mlpOut!.ptr, ln2!.ptr, n: n)
        Rows.residual(out!.ptr, x2!.ptr, mlpOut!.ptr, count: n * c)
        return balance?.forward(out!.ptr, n: n) ?? lb
    }

    /// On entry `dResid` holds dLoss/d(output); on return dLoss/d(input). The
    /// residual connections make an in-place update exact: each sub-layer's
    /// gradient is added to the stream after the sub-layer has read it.
    /// Without `inputGradient` (the first block under frozen embeddings) the
    /// attention's input gradient is not formed at all.
    func backward(_ dResid: UnsafeMutablePointer<Float>, lbScale: Float, inputGradient: Bool = true) {
        let c = width
        balance?.backward(dy: dResid, y: out!.ptr, lbScale: lbScale)
        mlp.backward(dx: dln!.ptr, dOut: dResid, x: ln2!.ptr, n: n, lbScale: lbScale)
        LayerNorm.backward(dx: dResid, dgain: ln2Gain.gradIfNeeded, dbias: ln2Bias.gradIfNeeded, dy: dln!.ptr,
                           x: x2!.ptr, mean: ln2Mean!.ptr, rstd: ln2Rstd!.ptr, gain: ln2Gain.ptr, n: n, width: c)
        attn.backward(dx: inputGradient ? dln!.ptr : nil, dOut: dResid, x: ln1!.ptr)
        guard inputGradient else { return }
        LayerNorm.backward(dx: dResid, dgain: ln1Gain.gradIfNeeded, dbias: ln1Bias.gradIfNeeded, dy: dln!.ptr,
                           x: input!, mean: ln1Mean!.ptr, rstd: ln1Rstd!.ptr, gain: ln1Gain.ptr, n: n, width: c)
    }
}
