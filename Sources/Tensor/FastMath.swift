/// Polynomial `exp` and `tanh`: glibc's `tanhf` costs ~10 ns per element and
/// dominates GELU and softmax otherwise (DESIGN §8). Both are branch-free
/// (every path computed, then selected) so the loops that call them
/// auto-vectorize. Error bounds are checked by `FastMathTests`: relative error
/// of `exp` < 3e-7 on [-87, 88], absolute error of `tanh` < 3e-7 everywhere.
public enum FastMath {
    /// e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln2 / 2, and e^r from a
    /// degree-6 Taylor polynomial (truncation error < 2e-8 relative there).
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let xc = min(max(x, -87.3), 88.7)
        // Round-to-nearest by the 1.5·2^23 trick: the low mantissa bits of t
        // hold n as an integer (no float-to-int conversion that could trap).
        let t = xc * 1.442695041 + 12_582_912
        let n = t - 12_582_912
        // Two-step Cody–Waite reduction keeps r accurate for large |x|.
        let r = (xc - n * 0.693145752) - n * 1.428606765e-6
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^n from exponent bits, as two factors so n = 128 does not overflow.
        let ni = Int32(bitPattern: t.bitPattern) &- 0x4B40_0000
        let h = ni &>> 1
        let s1 = Float(bitPattern: UInt32(bitPattern: (h &+ 127) &<< 23))
        let s2 = Float(bitPattern: UInt32(bitPattern: (ni &- h &+ 127) &<< 23))
        return p * s1 * s2
    }

    /// tanh(x) = sign(x) · (1 − 2 / (e^{2|x|} + 1)); for |x| < 0.0625 an odd
    /// Taylor polynomial avoids the cancellation of that formula near zero.
    @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let ax = Swift.max(x, -x)
        let x2 = x * x
        let small = x * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315))))
        let big = 1 - 2 / (exp(2 * Swift.min(ax, 10)) + 1)
        let signed = x < 0 ? -big : big
        return ax < 0.0625 ? small : signed
    }

    /// Σ p[j] in a fixed order (eight interleaved partial sums, then the tail),
    /// which lets the compiler vectorize it and never depends on threads.
    @inline(__always)
    public static func sum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var j = 0
        while j + 8 <= count {
            s0 += p[j]; s1 += p[j + 1]; s2 += p[j + 2]; s3 += p[j + 3]
            s4 += p[j + 4]; s5 += p[j + 5]; s6 += p[j + 6]; s7 += p[j + 7]
            j += 8
        }
        var s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
        while j < count { s += p[j]; j += 1 }
        return s
    }
}
