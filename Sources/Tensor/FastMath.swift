import Kernels

/// Polynomial `exp` (glibc's `expf`/`tanhf` dominate GELU and softmax
/// otherwise, docs/design.md §8; GELU's tanh goes through exp, see `GELU`), and the
/// fixed-order reductions the hot loops use. The reductions are branch-free so the
/// calling loops auto-vectorize. `FastMathTests` bounds the errors: relative
/// error of `exp` < 3e-7 on [-87, 88].
public enum FastMath {
    /// e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln2 / 2, and e^r from a degree-6 Taylor
    /// polynomial: `exp_poly` of `Sources/Kernels/elementwise.c`, which the GELU and softmax
    /// loops run.
    @inline(__always)
    public static func exp(_ x: Float) -> Float { ck_exp(x) }

    /// Σ_j term(j) for j < count in a fixed order (eight interleaved partial
    /// sums, then the tail): vectorisable, and never dependent on threads.
    @inline(__always)
    public static func sum(count: Int, _ term: (Int) -> Float) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var j = 0
        while j + 8 <= count {
            s0 += term(j); s1 += term(j + 1); s2 += term(j + 2); s3 += term(j + 3)
            s4 += term(j + 4); s5 += term(j + 5); s6 += term(j + 6); s7 += term(j + 7)
            j += 8
        }
        var s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
        while j < count { s += term(j); j += 1 }
        return s
    }

    @inline(__always)
    public static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float { sum(count: count) { p[$0] } }

    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        sum(count: count) { a[$0] * b[$0] }
    }

    /// max_j p[j] (eight interleaved partial maxima).
    @inline(__always)
    public static func max(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var m = -Float.infinity
        var m0 = m, m1 = m, m2 = m, m3 = m, m4 = m, m5 = m, m6 = m, m7 = m
        var j = 0
        while j + 8 <= count {
            m0 = Swift.max(m0, p[j]); m1 = Swift.max(m1, p[j + 1]); m2 = Swift.max(m2, p[j + 2]); m3 = Swift.max(m3, p[j + 3])
            m4 = Swift.max(m4, p[j + 4]); m5 = Swift.max(m5, p[j + 5]); m6 = Swift.max(m6, p[j + 6]); m7 = Swift.max(m7, p[j + 7])
            j += 8
        }
        m = Swift.max(Swift.max(Swift.max(m0, m1), Swift.max(m2, m3)), Swift.max(Swift.max(m4, m5), Swift.max(m6, m7)))
        while j < count { m = Swift.max(m, p[j]); j += 1 }
        return m
    }
}
