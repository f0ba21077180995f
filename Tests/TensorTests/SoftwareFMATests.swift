import Kernels
import XCTest
@testable import Tensor

/// The generic kernel's software fma (Sources/Kernels/internal.h, `soft_fmaf`) against the
/// instruction, bit for bit, on random triples and on the cases an emulation gets wrong first:
/// cancellation, ties at the last bit, subnormal products and sums, overflow, infinities, zeros'
/// signs. Where the CPU has no fma, Swift's `addingProduct` (libm's correctly rounded `fmaf`) is
/// the reference.
final class SoftwareFMATests: XCTestCase {
    static let hasInstruction = ck_path_supported(Int32(CK_PATH_FMA)) != 0

    static func reference(_ a: Float, _ b: Float, _ c: Float) -> Float {
        hasInstruction ? ck_fmaf_hw(a, b, c) : c.addingProduct(a, b)
    }

    /// Same bits, or both NaN (which NaN an fma propagates is not part of IEEE 754's contract).
    func check(_ a: Float, _ b: Float, _ c: Float, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let got = ck_fmaf_soft(a, b, c), want = Self.reference(a, b, c)
        if got.bitPattern == want.bitPattern || (got.isNaN && want.isNaN) { return true }
        XCTFail("fma(\(a), \(b), \(c)): software \(got) (\(hex(got))), instruction \(want) (\(hex(want)))",
                file: file, line: line)
        return false
    }

    func hex(_ x: Float) -> String { "0x" + String(x.bitPattern, radix: 16) }

    func testEdgeCases() {
        let specials: [Float] = [0, -0.0, 1, -1, .infinity, -.infinity, .nan, .greatestFiniteMagnitude,
                                 -.greatestFiniteMagnitude, .leastNormalMagnitude, .leastNonzeroMagnitude,
                                 -.leastNonzeroMagnitude, Float(bitPattern: 0x007F_FFFF), 1 + .ulpOfOne, 1 - .ulpOfOne / 2,
                                 0.5, 3, 1e-20, 1e20, 16_777_216, 16_777_217, 1.5e-45, 2.5e-38, 3.4e38]
        var failures = 0
        for a in specials { for b in specials { for c in specials where !check(a, b, c) { failures += 1 } } }
        XCTAssertEqual(failures, 0)
        // A product that cancels c except for its low bits, and exact halfway cases, where a
        // double-rounded a·b + c would differ from the fused one.
        let x = Float(bitPattern: 0x3F80_0800)  // 1 + 2⁻¹², so x·x − 1 = 2⁻¹¹ + 2⁻²⁴ exactly
        XCTAssertTrue(check(x, x, -1))
        XCTAssertEqual(ck_fmaf_soft(x, x, -1), Float(bitPattern: 0x3A00_0000) + Float(bitPattern: 0x3380_0000))
        XCTAssertEqual(x * x - 1, Float(bitPattern: 0x3A00_0000), "x·x rounded first loses 2⁻²⁴ (a tie to even)")
        XCTAssertTrue(check(1 + .ulpOfOne, 1 - .ulpOfOne, -1))
        // a·b + c = 1 + 2⁻²⁴ + 2⁻⁶⁴: just above the midpoint of 1 and its successor, so the answer is
        // 1 + 2⁻²³; rounded to nearest in double first it would land on the midpoint and then tie
        // down to 1 — what round-to-odd is there to prevent.
        let (a, b, c): (Float, Float, Float) = (-(1 - 0x1p-20) * 0x1p-24, 1 + 0x1p-20, 1 + 0x1p-23)
        XCTAssertEqual(Float(Double(a) * Double(b) + Double(c)), 1, "the naive emulation rounds twice")
        XCTAssertEqual(ck_fmaf_soft(a, b, c).bitPattern, 0x3F80_0001)
        XCTAssertTrue(check(a, b, c))
        XCTAssertTrue(check(Float(bitPattern: 0x3F80_0001), 0.5, Float(bitPattern: 0x3380_0000)))
        // Signs of zero: (+0)·(−1) + (+0) = +0, (−0)·1 + (−0) = −0, 1·1 − 1 = +0.
        XCTAssertEqual(ck_fmaf_soft(0, -1, 0).bitPattern, Float(0).bitPattern)
        XCTAssertEqual(ck_fmaf_soft(-0.0, 1, -0.0).bitPattern, Float(-0.0).bitPattern)
        XCTAssertEqual(ck_fmaf_soft(1, 1, -1).bitPattern, Float(0).bitPattern)
        XCTAssertTrue(ck_fmaf_soft(.infinity, 0, 1).isNaN)
        XCTAssertEqual(ck_fmaf_soft(.greatestFiniteMagnitude, 2, 0), .infinity)
    }

    /// Random triples of three kinds: any bit patterns (every exponent, subnormals, specials),
    /// ordinary-sized numbers, and c close to −a·b (cancellation: the hard case for emulation).
    func testRandomTriplesMatchTheInstruction() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt32 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt32(truncatingIfNeeded: state >> 32)
        }
        func ordinary() -> Float { Float(bitPattern: (next() & 0x807F_FFFF) | ((100 + next() % 56) << 23)) }
        var failures = 0
        for i in 0..<3_000_000 where failures < 5 {
            let a: Float, b: Float, c: Float
            switch i % 3 {
            case 0: (a, b, c) = (Float(bitPattern: next()), Float(bitPattern: next()), Float(bitPattern: next()))
            case 1: (a, b, c) = (ordinary(), ordinary(), ordinary())
            default:
                (a, b) = (ordinary(), ordinary())
                let p = -(a * b)
                c = Float(bitPattern: p.bitPattern &+ (next() % 64) &- 32)  // within 32 ulps of −a·b
            }
            if !check(a, b, c) { failures += 1 }
        }
        XCTAssertEqual(failures, 0)
    }

    /// The test is not vacuous: on cancelling triples the fused result differs from a·b + c
    /// rounded twice (what the kernels computed before they fused).
    func testFusedDiffersFromTwoRoundings() {
        var differ = 0
        var rng = RNG(seed: 3, stream: "fma")
        for _ in 0..<1000 {
            let a = rng.normal(), b = rng.normal()
            let c = -(a * b) * (1 + 1e-6)
            if ck_fmaf_soft(a, b, c).bitPattern != (a * b + c).bitPattern { differ += 1 }
        }
        XCTAssertGreaterThan(differ, 500)
    }
}
