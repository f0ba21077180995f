import CBLAS

/// Singular value decomposition of a row-major m × n matrix through LAPACK's
/// `sgesvd` (in OpenBLAS): M = U · diag(S) · Vᵀ, singular values descending.
public struct SVD {
    public let m: Int, n: Int
    /// U: m × k, S: k, Vᵀ: k × n (row-major), k = min(m, n).
    public let u: [Float], s: [Float], vt: [Float]

    public init(_ matrix: UnsafePointer<Float>, rows m: Int, cols n: Int) {
        self.m = m
        self.n = n
        let k = min(m, n)
        // Row-major M is column-major Mᵀ (n × m); its SVD Mᵀ = V S Uᵀ hands back
        // LAPACK's "U" = V (n × k column-major, i.e. Vᵀ row-major) and "Vᵀ" = Uᵀ
        // (k × m column-major, i.e. U row-major).
        let a = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
        let sv = UnsafeMutablePointer<Float>.allocate(capacity: k)
        let lu = UnsafeMutablePointer<Float>.allocate(capacity: n * k)
        let lvt = UnsafeMutablePointer<Float>.allocate(capacity: k * m)
        defer { a.deallocate(); sv.deallocate(); lu.deallocate(); lvt.deallocate() }
        a.update(from: matrix, count: m * n)
        var rows = Int32(n), cols = Int32(m), lda = Int32(n), ldu = Int32(n), ldvt = Int32(k), info: Int32 = 0
        var lwork: Int32 = -1
        var query: Float = 0
        var job = CChar(UInt8(ascii: "S"))
        sgesvd_(&job, &job, &rows, &cols, a, &lda, sv, lu, &ldu, lvt, &ldvt, &query, &lwork, &info)
        lwork = Int32(query)
        let work = UnsafeMutablePointer<Float>.allocate(capacity: Int(lwork))
        defer { work.deallocate() }
        sgesvd_(&job, &job, &rows, &cols, a, &lda, sv, lu, &ldu, lvt, &ldvt, work, &lwork, &info)
        precondition(info == 0, "sgesvd failed (info \(info))")
        vt = Array(UnsafeBufferPointer(start: lu, count: n * k))
        u = Array(UnsafeBufferPointer(start: lvt, count: k * m))
        s = Array(UnsafeBufferPointer(start: sv, count: k))
    }
}
