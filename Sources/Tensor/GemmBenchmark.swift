import Dispatch
import Kernels

/// `comigs bench gemm`: GFLOP/s of the matrix products a training step of `GPTConfig.tiny`
/// at batch 16 makes, on every kernel path this CPU runs and on OpenBLAS, side by side in
/// one run; and whether every path gave the same bits.
public enum GemmBenchmark {
    public struct Shape: Sendable {
        public var name: String
        public var transA: Bool, transB: Bool
        public var m: Int, n: Int, k: Int
    }

    public struct Result: Codable, Sendable {
        public var shape: String
        public var m: Int, n: Int, k: Int
        /// GFLOP/s per engine: kernel path names, then "openblas".
        public var gflops: [String: Double]
        /// Every kernel path gave bit-identical C.
        public var paths_agree: Bool
        public var openblas_core: String
        /// The widest path's GFLOP/s over `peak` (nil where no peak is measured).
        public var share_of_peak: Double?
    }

    /// One core's FMA peak on `path` (avx2, avx512, neon): the median of 5 timings of a
    /// register-resident fma loop (`ck_fma_peak`), GFLOP/s; nil on another path.
    public static func peak(_ path: MatMul.Path) -> Double? {
        let iterations = 20_000_000
        var t: [Double] = []
        var flops = 0.0
        for _ in 0..<5 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            flops = ck_fma_peak(path.rawValue, iterations)
            t.append(Double(DispatchTime.now().uptimeNanoseconds - t0))
        }
        return flops > 0 ? flops / t.sorted()[2] : nil
    }

    /// Products of one step (tokens N = 16 · 128, width 128, vocabulary 512, LoRA rank 8).
    public static let shapes: [Shape] = [
        Shape(name: "qkv = x·Wᵀ", transA: false, transB: true, m: 2048, n: 384, k: 128),
        Shape(name: "fc = x·Wᵀ", transA: false, transB: true, m: 2048, n: 512, k: 128),
        Shape(name: "proj = h·Wᵀ", transA: false, transB: true, m: 2048, n: 128, k: 512),
        Shape(name: "dx = dy·W (fc)", transA: false, transB: false, m: 2048, n: 128, k: 512),
        Shape(name: "dW = dyᵀ·x (fc)", transA: true, transB: false, m: 512, n: 128, k: 2048),
        Shape(name: "logits = x·wteᵀ", transA: false, transB: true, m: 2048, n: 512, k: 128),
        Shape(name: "LoRA x·Aᵀ", transA: false, transB: true, m: 2048, n: 8, k: 128),
        Shape(name: "LoRA h·Bᵀ", transA: false, transB: true, m: 2048, n: 512, k: 8),
        Shape(name: "LoRA dB = dyᵀ·h", transA: true, transB: false, m: 512, n: 8, k: 2048),
        Shape(name: "attention q·kᵀ", transA: false, transB: true, m: 32, n: 128, k: 32),
        Shape(name: "attention p·v", transA: false, transB: false, m: 32, n: 32, k: 128),
    ]

    /// Every shape on every path, and each one's share of `peak` of the widest path.
    public static func run(repeats: Int = 7, peak: Double?) -> [Result] {
        OpenBLAS.useSingleThread()
        let widest = MatMul.Path.allCases.last(where: \.isSupported)!.name
        var rng = RNG(seed: 0, stream: "bench-gemm")
        return shapes.map { s in
            let (ra, ca) = s.transA ? (s.k, s.m) : (s.m, s.k)
            let (rb, cb) = s.transB ? (s.n, s.k) : (s.k, s.n)
            let a = Tensor([ra, ca]), b = Tensor([rb, cb]), c = Tensor([s.m, s.n])
            a.fillNormal(std: 1, rng: &rng)
            b.fillNormal(std: 1, rng: &rng)
            let flops = 2.0 * Double(s.m * s.n * s.k)
            // Median of `repeats` timings, each over enough calls to take ~20 ms.
            func time(_ body: () -> Void) -> Double {
                let calls = max(1, Int(2e7 / (flops / 5)))
                var t: [Double] = []
                for _ in 0..<repeats {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    for _ in 0..<calls { body() }
                    t.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / Double(calls))
                }
                return flops / t.sorted()[repeats / 2]
            }
            var g: [String: Double] = [:]
            var outputs: [[Float]] = []
            for p in MatMul.Path.allCases where p.isSupported {
                g[p.name] = time {
                    MatMul.gemm(path: p, transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1,
                                a.ptr, lda: ca, b.ptr, ldb: cb, beta: 0, c.ptr, ldc: s.n)
                }
                outputs.append(c.array)
            }
            g["openblas"] = time {
                OpenBLAS.sgemm(transA: s.transA, transB: s.transB, m: s.m, n: s.n, k: s.k, alpha: 1,
                               a.ptr, lda: ca, b.ptr, ldb: cb, beta: 0, c.ptr, ldc: s.n)
            }
            return Result(shape: s.name, m: s.m, n: s.n, k: s.k, gflops: g,
                          paths_agree: outputs.allSatisfy { $0 == outputs[0] }, openblas_core: OpenBLAS.coreName,
                          share_of_peak: peak.map { g[widest]! / $0 })
        }
    }
}
