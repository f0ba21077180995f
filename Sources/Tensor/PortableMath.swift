/// exp, log and cos in Double as fixed sequences of IEEE operations (no libm), so every
/// machine computes the same bits: glibc picks FMA or non-FMA versions of these by CPU, and
/// they round differently in the last place. Used wherever a result reaches a number the
/// simulator writes (perplexity, the cosine schedule, normal draws, staleness and trust
/// weights, the synthetic corpus). Accuracy ≤ 2 ulp (`PortableMathTests`); they are not
/// correctly rounded, only identical everywhere. Swift never fuses a·b + c into an FMA.
public enum PortableMath {
    // ln 2 split so n·ln2Hi is exact for |n| < 2^20 (fdlibm's constants).
    static let ln2Hi = 6.93147180369123816490e-01
    static let ln2Lo = 1.90821492927058770002e-10
    /// 1.5·2^52: adding and subtracting it rounds a |t| < 2^51 to the nearest integer (ties to even).
    static let roundingShift = 6_755_399_441_055_744.0

    /// e^x = 2^n · e^r, n = round(x / ln 2), |r| ≤ ln2/2, e^r by its Taylor series to r^13
    /// (truncation < 5e-18 relative). Overflows to +inf above 709.78, underflows to 0 below −745.2.
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.782712893384 { return .infinity }
        if x < -745.2 { return 0 }
        let n = (x * 1.4426950408889634 + roundingShift) - roundingShift
        let r = (x - n * ln2Hi) - n * ln2Lo
        var p = 1.0 / 6_227_020_800
        for c in expCoefficients { p = p * r + c }
        let e = Int(n), h = e / 2
        return p * powerOfTwo(h) * powerOfTwo(e - h)
    }

    /// 1/12!, 1/11!, …, 1/1!, 1/0! (Horner order after 1/13!).
    static let expCoefficients: [Double] = [
        1.0 / 479_001_600, 1.0 / 39_916_800, 1.0 / 3_628_800, 1.0 / 362_880, 1.0 / 40320, 1.0 / 5040,
        1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 0.5, 1, 1,
    ]

    /// 2^k for −1022 ≤ k ≤ 1023 from its bits.
    @inline(__always)
    static func powerOfTwo(_ k: Int) -> Double { Double(bitPattern: UInt64(k + 1023) << 52) }

    /// ln x = e·ln 2 + ln m with x = m·2^e, m in [√½, √2), and ln m = 2·atanh(s),
    /// s = (m − 1)/(m + 1), |s| ≤ 0.172, by its series to s^23. ln 0 = −inf; ln of a negative is NaN.
    public static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return x }
        var m = x.significand, e = Double(x.exponent)
        if m > 1.4142135623730951 { m *= 0.5; e += 1 }
        let f = m - 1, s = f / (2 + f), s2 = s * s
        var q = 1.0 / 23
        for d in stride(from: 21.0, through: 3, by: -2) { q = q * s2 + 1 / d }
        let lnm = 2 * s + 2 * s * (s2 * q)
        return e * ln2Hi + (e * ln2Lo + lnm)
    }

    /// cos x for |x| ≤ 2^20: x = k·π/2 + r (three-part Cody–Waite reduction, fdlibm's
    /// constants), |r| ≤ π/4, then ±cos r or ±sin r by Taylor series to r^18 / r^19.
    public static func cos(_ x: Double) -> Double {
        precondition(abs(x) <= 1_048_576 || !x.isFinite, "PortableMath.cos: |x| = \(abs(x)) beyond the reduced range")
        if !x.isFinite { return .nan }
        let k = (x * 0.63661977236758134308 + roundingShift) - roundingShift
        let r = ((x - k * 1.57079632673412561417e+00) - k * 6.07710050630396597660e-11) - k * 2.02226624879595063154e-21
        let quadrant = Int(k) & 3
        let r2 = r * r
        switch quadrant {
        case 0: return cosPoly(r2)
        case 1: return -sinPoly(r, r2)
        case 2: return -cosPoly(r2)
        default: return sinPoly(r, r2)
        }
    }

    /// (−1)^j/(2j)! and (−1)^j/(2j+1)! for j = 0 … 9 (every factorial up to 19! is exact in Double).
    static let cosCoefficients: [Double] = (0...9).map { j in (j % 2 == 0 ? 1 : -1) / factorial(2 * j) }
    static let sinCoefficients: [Double] = (0...9).map { j in (j % 2 == 0 ? 1 : -1) / factorial(2 * j + 1) }

    @inline(__always)
    static func cosPoly(_ r2: Double) -> Double {
        var p = cosCoefficients[9]
        for j in stride(from: 8, through: 0, by: -1) { p = p * r2 + cosCoefficients[j] }
        return p
    }

    @inline(__always)
    static func sinPoly(_ r: Double, _ r2: Double) -> Double {
        var p = sinCoefficients[9]
        for j in stride(from: 8, through: 0, by: -1) { p = p * r2 + sinCoefficients[j] }
        return p * r
    }

    static func factorial(_ n: Int) -> Double { n <= 1 ? 1 : (2...n).reduce(1.0) { $0 * Double($1) } }
}
