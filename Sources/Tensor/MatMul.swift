import CBLAS
import Kernels

/// Matrix products on the project's fixed-order kernels (`Sources/Kernels`). Row-major
/// throughout: `C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C`. Every element is
/// `Σ_k a·b` summed in the order k = 0 … K−1, each step one fused multiply-add
/// `s = fma(a, b, s)` (the instruction, or an exact software fma where the CPU has none),
/// then scaled by alpha and added to beta·C — the same bits on every CPU and code path.
/// `beta == 0` never reads C.
public enum MatMul {
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
        ck_sgemm(activePath.rawValue, transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// A code path of the kernels. All give identical results; they differ in speed only.
    /// generic: C with the software fma (any CPU); fma: C with the instruction (x86-64 with
    /// FMA3, arm64); avx2 (with FMA3), avx512: x86-64 vector kernels; neon: arm64's.
    public enum Path: Int32, CaseIterable, Sendable {
        case generic = 0, fma = 1, avx2 = 2, avx512 = 3, neon = 4
        public var name: String { String(cString: ck_path_name(rawValue)) }
        public var isSupported: Bool { ck_path_supported(rawValue) != 0 }
    }

    /// The widest path this CPU runs, or the one `COMIGS_KERNELS` names.
    public static let activePath = Path(rawValue: ck_active_path()) ?? .generic

    /// A message when `COMIGS_KERNELS` holds an unknown or unsupported path.
    public static var environmentError: String? { ck_environment_error().map { String(cString: $0) } }

    /// `gemm` on a given path (tests and benchmarks).
    public static func gemm(path: Path, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        ck_sgemm(path.rawValue, transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

/// OpenBLAS, kept only as the yardstick of `comigs bench gemm`: its kernel choice (and so its
/// rounding) depends on the CPU, so no result of the simulator goes through it.
public enum OpenBLAS {
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                             _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                             beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    public static func useSingleThread() { openblas_set_num_threads(1) }

    /// The kernel family OpenBLAS picked (e.g. "Haswell", "SkylakeX", "Prescott").
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
