/// The low-rank update of a frozen linear layer: `y += s · B (A x)`,
/// A: r × in (Kaiming-uniform), B: out × r (zeros), s = alpha / √r, r the rank of its role.
final class LoRA {
    let a: Parameter
    let b: Parameter
    let rank: Int, inF: Int, outF: Int
    let scale: Float
    let flops: FlopCounter
    private var h: Tensor?   // x·Aᵀ, kept for backward
    private var dh: Tensor?

    init(_ prefix: String, role: (LoRAFactor) -> ParamRole, inF: Int, outF: Int,
         builder: ParameterBuilder, flops: FlopCounter) {
        let r = builder.adapters.rank(of: role(.a))
        rank = r
        self.inF = inF
        self.outF = outF
        scale = builder.adapters.scale(of: role(.a))
        self.flops = flops
        a = builder.make(prefix + ".lora_A", role(.a), [r, inF], .uniform(bound: 1 / Float(inF).squareRoot()))
        b = builder.make(prefix + ".lora_B", role(.b), [outF, r], .zeros)
    }

    func prepare(_ n: Int) {
        h = sized(h, n * rank)
        dh = sized(dh, n * rank)
    }

    /// `y += s·B(Ax)`, or `y = s·B(Ax)` when not accumulating.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int, accumulate: Bool = true) {
        let h = h!.ptr
        MatMul.gemm(transB: true, m: n, n: rank, k: inF, x, lda: inF, a.ptr, ldb: inF, h, ldc: rank)
        MatMul.gemm(transB: true, m: n, n: outF, k: rank, alpha: scale, h, lda: rank, b.ptr, ldb: rank,
                  beta: accumulate ? 1 : 0, y, ldc: outF)
        flops.gemm(n, rank, inF + outF)
    }

    /// Accumulates into dA, dB (when they train) and dx (overwrites it with `overwriteDx`).
    func backward(dx: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, n: Int,
                  overwriteDx: Bool = false) {
        let h = h!.ptr, dh = dh!.ptr
        if let db = b.gradIfNeeded {
            MatMul.gemm(transA: true, m: outF, n: rank, k: n, alpha: scale, dy, lda: outF, h, ldb: rank, beta: 1, db, ldc: rank)
            flops.gemm(outF, rank, n)
        }
        let da = a.gradIfNeeded
        guard da != nil || dx != nil else { return }
        MatMul.gemm(m: n, n: rank, k: outF, alpha: scale, dy, lda: outF, b.ptr, ldb: rank, dh, ldc: rank)
        flops.gemm(n, rank, outF)
        if let da {
            MatMul.gemm(transA: true, m: rank, n: inF, k: n, dh, lda: rank, x, ldb: inF, beta: 1, da, ldc: inF)
            flops.gemm(rank, inF, n)
        }
        if let dx {
            MatMul.gemm(m: n, n: inF, k: rank, dh, lda: rank, a.ptr, ldb: inF, beta: overwriteDx ? 0 : 1, dx, ldc: inF)
            flops.gemm(n, inF, rank)
        }
    }
}

/// A frozen (or, for a dense model, trainable) linear layer with optional LoRA.
final class LoRALinear {
    let weight: Parameter  // [out, in]
    let bias: Parameter
    let lora: LoRA?
    let inF: Int, outF: Int
    let flops: FlopCounter

    init(_ prefix: String, inF: Int, outF: Int, std: Float, loraRole: ((LoRAFactor) -> ParamRole)?,
         builder: ParameterBuilder, flops: FlopCounter) {
        self.inF = inF
        self.outF = outF
        self.flops = flops
        weight = builder.make(prefix + ".weight", .base, [outF, inF], .normal(std: std))
        bias = builder.make(prefix + ".bias", .base, [outF], .zeros)
        lora = (loraRole != nil && builder.adapters.rank > 0)
            ? LoRA(prefix, role: loraRole!, inF: inF, outF: outF, builder: builder, flops: flops) : nil
    }

    func prepare(_ n: Int) { lora?.prepare(n) }

    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int) {
        Linear.forward(y, x, weight.ptr, bias.ptr, n: n, inF: inF, outF: outF)
        flops.gemm(n, outF, inF)
        lora?.forward(y, x, n: n)
    }

    func backward(dx: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, n: Int,
                  overwriteDx: Bool) {
        let dw = weight.gradIfNeeded
        Linear.backward(dx: dx, dw: dw, db: bias.gradIfNeeded, dy: dy, x: x, w: weight.ptr,
                        n: n, inF: inF, outF: outF, overwriteDx: overwriteDx)
        flops.gemm(n, outF, inF * ((dx != nil ? 1 : 0) + (dw != nil ? 1 : 0)))
        lora?.backward(dx: dx, dy: dy, x: x, n: n)
    }
}
