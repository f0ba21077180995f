import CBLAS

/// Matrix products through OpenBLAS. Row-major throughout:
/// `C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C`.
public enum BLAS {
    @inline(__always)
    public static func gemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int,
        _ b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Parallelism comes from running clients (or batch shards) concurrently,
    /// so BLAS itself stays on one thread: every product is then computed the
    /// same way whatever the number of workers (DESIGN §2).
    public static func useSingleThread() { openblas_set_num_threads(1) }

    /// The kernel family OpenBLAS picked (e.g. "Haswell", "SkylakeX", "Zen").
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
