/// Singular value decomposition of a row-major m × n matrix, M = U · diag(S) · Vᵀ,
/// singular values descending (ties by index), computed in Double by the project's own
/// code so FlexLoRA's server gives the same bits on every machine (LAPACK's `sgesvd`
/// goes through CPU-dependent BLAS kernels).
///
/// Method: the Gram matrix G of the shorter side (MᵀM when n ≤ m, else MMᵀ) is
/// diagonalised by cyclic Jacobi rotations in a fixed order (Golub & Van Loan §8.5):
/// G = W·diag(λ)·Wᵀ, σ = √λ, and the other side's vectors are M·w/σ (zero where σ = 0).
/// Squaring costs relative accuracy only for σ below ~1e-8·σ_max, far under what a
/// rank-r truncation keeps. Cost: O(mn·min(m,n)) for G and ~10 sweeps of O(min(m,n)³).
public struct SVD {
    public let m: Int, n: Int
    /// U: m × k, S: k, Vᵀ: k × n (row-major), k = min(m, n).
    public let u: [Float], s: [Float], vt: [Float]

    public init(_ matrix: UnsafePointer<Float>, rows m: Int, cols n: Int) {
        self.m = m
        self.n = n
        let k = min(m, n), wide = n > m
        // Short side: vectors of length k from G (k × k); long side: length l.
        let l = wide ? n : m
        // x(i, j): element j of the i-th short-side vector's partner, i.e. M read so that
        // the short side is the column index.
        @inline(__always) func x(_ long: Int, _ short: Int) -> Double {
            Double(wide ? matrix[short * n + long] : matrix[long * n + short])
        }
        var g = [Double](repeating: 0, count: k * k)
        for a in 0..<k {
            for b in a..<k {
                var sum = 0.0
                for t in 0..<l { sum += x(t, a) * x(t, b) }
                g[a * k + b] = sum
                g[b * k + a] = sum
            }
        }
        let (lambda, w) = Self.jacobiEigen(&g, k)
        let order = (0..<k).sorted { lambda[$0] != lambda[$1] ? lambda[$0] > lambda[$1] : $0 < $1 }
        var sv = [Float](repeating: 0, count: k)
        var short = [Float](repeating: 0, count: k * k)  // row j: the j-th short-side vector
        var long = [Float](repeating: 0, count: k * l)   // row j: the j-th long-side vector
        for (j, e) in order.enumerated() {
            let sigma = max(lambda[e], 0).squareRoot()
            sv[j] = Float(sigma)
            for a in 0..<k { short[j * k + a] = Float(w[a * k + e]) }
            guard sigma > 0 else { continue }
            for t in 0..<l {
                var sum = 0.0
                for a in 0..<k { sum += x(t, a) * w[a * k + e] }
                long[j * l + t] = Float(sum / sigma)
            }
        }
        s = sv
        // Tall: V's columns are the short vectors, U's the long ones; wide: the other way.
        let (uRows, vRows) = wide ? (short, long) : (long, short)
        var uu = [Float](repeating: 0, count: m * k)
        for j in 0..<k { for i in 0..<m { uu[i * k + j] = uRows[j * m + i] } }
        u = uu
        vt = vRows
    }

    /// Eigen-decomposition of the symmetric k × k matrix `a` (destroyed) by cyclic Jacobi:
    /// sweeps over p < q in row order until the off-diagonal mass is below 1e-30 of the
    /// total (or 60 sweeps). Returns the eigenvalues and W (column e = eigenvector e).
    static func jacobiEigen(_ a: inout [Double], _ k: Int) -> ([Double], [Double]) {
        var w = [Double](repeating: 0, count: k * k)
        for i in 0..<k { w[i * k + i] = 1 }
        a.withUnsafeMutableBufferPointer { a in
            w.withUnsafeMutableBufferPointer { w in
                var total = 0.0
                for i in 0..<k * k { total += a[i] * a[i] }
                for _ in 0..<60 {
                    var off = 0.0
                    for p in 0..<k { for q in p + 1 ..< k { off += a[p * k + q] * a[p * k + q] } }
                    if off <= 1e-30 * total || off == 0 { break }
                    for p in 0..<k {
                        for q in p + 1 ..< k {
                            let apq = a[p * k + q]
                            if apq == 0 { continue }
                            let theta = (a[q * k + q] - a[p * k + p]) / (2 * apq)
                            let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                            let c = 1 / (t * t + 1).squareRoot(), s = t * c
                            // A ← Jᵀ A J on rows and columns p, q; W ← W J.
                            for i in 0..<k {
                                let aip = a[i * k + p], aiq = a[i * k + q]
                                a[i * k + p] = c * aip - s * aiq
                                a[i * k + q] = s * aip + c * aiq
                            }
                            for i in 0..<k {
                                let api = a[p * k + i], aqi = a[q * k + i]
                                a[p * k + i] = c * api - s * aqi
                                a[q * k + i] = s * api + c * aqi
                            }
                            for i in 0..<k {
                                let wip = w[i * k + p], wiq = w[i * k + q]
                                w[i * k + p] = c * wip - s * wiq
                                w[i * k + q] = s * wip + c * wiq
                            }
                        }
                    }
                }
            }
        }
        return ((0..<k).map { a[$0 * k + $0] }, w)
    }
}
