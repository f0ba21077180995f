/// Polynomial `exp` and `tanh`: glibc's `tanhf` costs ~10 ns per element and
/// dominates GELU and softmax otherwise (DESIGN §8). Error bounds are checked
/// by `FastMathTests`: relative error of `fastExp` < 3e-7 on [-87, 88],
/// absolute error of `fastTanh` < 3e-7 everywhere.
public enum FastMath {
    /// e^x = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln2 / 2, and e^r from a
    /// degree-6 Taylor polynomial (truncation error < 2e-8 relative there).
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let xc = min(max(x, -87.3), 88.7)
        let n = (xc * 1.442695041).rounded(.toNearestOrEven)
        // Two-step Cody–Waite reduction keeps r accurate for large |x|.
        let r = (xc - n * 0.693145752) - n * 1.428606765e-6
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2^n by building the exponent bits; n ∈ [-126, 128] after the clamp,
        // split in two factors so 2^128 does not overflow the bit trick. The
        // integer comes from the 1.5·2^23 bit trick, which never traps: a NaN
        // input stays NaN through p (the training guard reports it).
        let ni = Int32(bitPattern: (n + 12_582_912).bitPattern) &- 0x4B40_0000
        let h = ni >> 1
        let s1 = Float(bitPattern: UInt32(bitPattern: (h + 127) << 23))
        let s2 = Float(bitPattern: UInt32(bitPattern: (ni - h + 127) << 23))
        return p * s1 * s2
    }

    /// tanh(x) = sign(x) · (1 − 2 / (e^{2|x|} + 1)); for |x| < 0.0625 an odd
    /// Taylor polynomial avoids the cancellation of the formula near zero.
    @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let ax = abs(x)
        if ax < 0.0625 {
            let x2 = x * x
            return x * (1 + x2 * (-1.0 / 3 + x2 * (2.0 / 15 + x2 * (-17.0 / 315))))
        }
        let t = 1 - 2 / (exp(2 * min(ax, 10)) + 1)
        return x < 0 ? -t : t
    }
}

/// Sixteen lanes at a time: the same polynomials, branch-free, so the hot
/// elementwise loops (GELU, softmax, cross-entropy) run as vector code.
public typealias Vec = SIMD16<Float>

extension FastMath {
    @inline(__always)
    public static func exp(_ x: Vec) -> Vec {
        let xc = x.clamped(lowerBound: Vec(repeating: -87.3), upperBound: Vec(repeating: 88.7))
        let n = (xc * 1.442695041).rounded(.toNearestOrEven)
        let r = (xc - n * 0.693145752) - n * 1.428606765e-6
        var p = Vec(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let ni = unsafeBitCast(n + 12_582_912, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let h = ni &>> 1
        let s1 = unsafeBitCast((h &+ 127) &<< 23, to: Vec.self)
        let s2 = unsafeBitCast((ni &- h &+ 127) &<< 23, to: Vec.self)
        return p * s1 * s2
    }

    @inline(__always)
    public static func tanh(_ x: Vec) -> Vec {
        let ax = pointwiseMax(x, -x)
        let x2 = x * x
        var q = x2 * Vec(repeating: -17.0 / 315) + 2.0 / 15
        q = q * x2 - 1.0 / 3
        q = q * x2 + 1
        let small = x * q
        let e = exp(2 * pointwiseMin(ax, Vec(repeating: 10)))
        var t = 1 - 2 / (e + 1)
        t.replace(with: -t, where: x .< 0)
        t.replace(with: small, where: ax .< 0.0625)
        return t
    }
}

@inline(__always) func load(_ p: UnsafePointer<Float>) -> Vec { UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }
@inline(__always) func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self) }
