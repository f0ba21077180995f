import XCTest
@testable import Tensor

/// The fixed-order matrix product (Sources/Kernels): every code path gives the bits of a plain
/// scalar loop that sums k = 0 … K−1 in order, one fused multiply-add a step, for every shape class
/// the blocking handles differently (edges, K beyond one k-block, N beyond one column block,
/// transposes, the narrow and swapped orientations, alpha and beta).
final class KernelTests: XCTestCase {
    struct Case { var transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, beta: Float }

    static let cases: [Case] = {
        var out: [Case] = []
        let dims = [(1, 1, 1), (3, 5, 7), (8, 8, 8), (13, 37, 19), (33, 8, 300), (8, 70, 45), (2, 130, 513),
                    (100, 3, 64), (67, 129, 257), (12, 1100, 70), (257, 40, 0)]
        for (i, (m, n, k)) in dims.enumerated() {
            for t in 0..<4 {
                out.append(Case(transA: t & 1 == 1, transB: t & 2 == 2, m: m, n: n, k: k,
                                alpha: [1, 0.5, -1.25][(i + t) % 3], beta: [0, 1, -0.75][(i + 2 * t) % 3]))
            }
        }
        return out
    }()

    /// The contract of Kernels.h, written as the plainest loop: `addingProduct` is IEEE
    /// fusedMultiplyAdd (libm's `fmaf` or the instruction), independent of the kernels' own fma.
    static func reference(_ c: Case, _ a: [Float], _ b: [Float], _ c0: [Float]) -> [Float] {
        var out = c0
        for i in 0..<c.m {
            for j in 0..<c.n {
                var s: Float = 0
                for p in 0..<c.k {
                    let x = c.transA ? a[p * c.m + i] : a[i * c.k + p]
                    let y = c.transB ? b[j * c.k + p] : b[p * c.n + j]
                    s = s.addingProduct(x, y)
                }
                let t = c.alpha == 1 ? s : c.alpha * s
                let old = out[i * c.n + j]
                out[i * c.n + j] = c.beta == 0 ? t : (c.beta == 1 ? old + t : c.beta * old + t)
            }
        }
        return out
    }

    func testEveryPathGivesTheBitsOfTheOrderedScalarSum() {
        var rng = RNG(seed: 11, stream: "kernels")
        let paths = MatMul.Path.allCases.filter(\.isSupported)
        XCTAssertTrue(paths.contains(.generic))
        for c in Self.cases {
            let a = (0..<max(1, c.m * c.k)).map { _ in rng.normal() }
            let b = (0..<max(1, c.k * c.n)).map { _ in rng.normal() }
            // beta = 0 must not read C: NaN there would leak into the result.
            let c0 = (0..<c.m * c.n).map { _ in c.beta == 0 ? Float.nan : rng.normal() }
            let want = Self.reference(c, a, b, c0)
            for path in paths {
                var got = c0
                got.withUnsafeMutableBufferPointer { out in
                    MatMul.gemm(path: path, transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                                a, lda: c.transA ? c.m : c.k, b, ldb: c.transB ? c.k : c.n, beta: c.beta,
                                out.baseAddress!, ldc: c.n)
                }
                let same = zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern }
                XCTAssertTrue(same, "\(path.name): \(c)")
            }
        }
    }

    /// Leading dimensions wider than the matrix (sub-blocks of a bigger array, as attention uses).
    func testStridedOperandsMatchTheirPackedCopies() {
        var rng = RNG(seed: 12, stream: "kernels-strided")
        let (m, n, k, ld) = (29, 41, 300, 97)
        let big = (0..<400 * ld).map { _ in rng.normal() }
        let a = (0..<m).flatMap { i in big[(i * ld)..<(i * ld + k)] }
        let bT = (0..<n).flatMap { j in big[(5000 + j * ld)..<(5000 + j * ld + k)] }
        for path in MatMul.Path.allCases where path.isSupported {
            var strided = [Float](repeating: 0, count: m * n), packed = strided
            big.withUnsafeBufferPointer { p in
                MatMul.gemm(path: path, transA: false, transB: true, m: m, n: n, k: k, alpha: 1, p.baseAddress!, lda: ld,
                            p.baseAddress! + 5000, ldb: ld, beta: 0, &strided, ldc: n)
            }
            MatMul.gemm(path: .generic, transA: false, transB: true, m: m, n: n, k: k, alpha: 1, a, lda: k, bT, ldb: k,
                        beta: 0, &packed, ldc: n)
            XCTAssertEqual(strided.map(\.bitPattern), packed.map(\.bitPattern), path.name)
        }
    }

    /// The order is the contract: summing the same products in another order gives other bits,
    /// so a kernel that reassociated would fail the test above (this guards the test itself).
    func testSummationOrderIsObservable() {
        let x: [Float] = [1e8, 1, -1e8, 1]
        let forward = x.reduce(Float(0)) { $0 + $1 }
        let pairwise = (x[0] + x[1]) + (x[2] + x[3])
        XCTAssertNotEqual(forward, pairwise)
    }
}
