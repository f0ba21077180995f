/// `y[N×out] = x[N×in] · Wᵀ + b`, with W stored [out, in] (nanoGPT layout).
public enum Linear {
    public static func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                               _ w: UnsafePointer<Float>, _ b: UnsafePointer<Float>?,
                               n: Int, inF: Int, outF: Int, accumulate: Bool = false) {
        if let b, !accumulate {
            for i in 0..<n { (y + i * outF).update(from: b, count: outF) }
            MatMul.gemm(transB: true, m: n, n: outF, k: inF, x, lda: inF, w, ldb: inF, beta: 1, y, ldc: outF)
        } else {
            MatMul.gemm(transB: true, m: n, n: outF, k: inF, x, lda: inF, w, ldb: inF,
                      beta: accumulate ? 1 : 0, y, ldc: outF)
            if let b { addBias(y, b, n: n, outF: outF) }
        }
    }

    /// Accumulates `dx += dy·W`, `dW += dyᵀ·x`, `db += Σ dy` (each when given).
    public static func backward(dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                                db: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>,
                                x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                                n: Int, inF: Int, outF: Int, overwriteDx: Bool = false) {
        if let dx {
            MatMul.gemm(m: n, n: inF, k: outF, dy, lda: outF, w, ldb: inF, beta: overwriteDx ? 0 : 1, dx, ldc: inF)
        }
        if let dw {
            MatMul.gemm(transA: true, m: outF, n: inF, k: n, dy, lda: outF, x, ldb: inF, beta: 1, dw, ldc: inF)
        }
        if let db { sumRows(db, dy, n: n, width: outF) }
    }

    @inline(__always)
    static func addBias(_ y: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, n: Int, outF: Int) {
        for i in 0..<n {
            let row = y + i * outF
            for j in 0..<outF { row[j] += b[j] }
        }
    }

    /// `acc[j] += Σ_i m[i, j]`.
    @inline(__always)
    public static func sumRows(_ acc: UnsafeMutablePointer<Float>, _ m: UnsafePointer<Float>, n: Int, width: Int) {
        for i in 0..<n {
            let row = m + i * width
            for j in 0..<width { acc[j] += row[j] }
        }
    }
}
