import Foundation
import XCTest
@testable import Tensor

/// Error bounds of the polynomial exp and of GELU built on it, against glibc in Double.
final class FastMathTests: XCTestCase {
    func grid(_ lo: Float, _ hi: Float, _ n: Int = 200_000) -> [Float] {
        (0..<n).map { lo + (hi - lo) * Float($0) / Float(n - 1) }
    }

    func testExpRelativeError() {
        let xs = grid(-87, 88)
        var worst = 0.0, worstLoop = 0.0
        for x in xs { let ref = exp(Double(x)); worst = max(worst, abs(Double(FastMath.exp(x)) - ref) / ref) }
        // The vectorised loop (as softmax runs it) must meet the bound too.
        var v = xs
        _ = v.withUnsafeMutableBufferPointer { Softmax.expInPlace($0.baseAddress!, count: xs.count, shift: 0) }
        for (x, e) in zip(xs, v) { let ref = exp(Double(x)); worstLoop = max(worstLoop, abs(Double(e) - ref) / ref) }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertLessThan(worstLoop, 3e-7)
        XCTAssertEqual(FastMath.exp(-200), 0, accuracy: 1e-37)
        XCTAssertTrue(FastMath.exp(200).isFinite)
        XCTAssertTrue(FastMath.exp(.nan).isNaN)
    }

    /// GELU (tanh form) through σ(2u): error ≤ 3e-7·max(1, |x|) against the tanh formula in Double.
    func testGELUError() {
        let xs = grid(-12, 12)
        var y = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { GELU.forward($0.baseAddress!, x.baseAddress!, count: xs.count) } }
        var worst = 0.0
        for (x, g) in zip(xs, y) {
            let xd = Double(x), ref = 0.5 * xd * (1 + tanh(0.7978845608028654 * (xd + 0.044715 * xd * xd * xd)))
            worst = max(worst, abs(Double(g) - ref) / max(1, abs(xd)))
        }
        XCTAssertLessThan(worst, 3e-7)
    }

    func testFixedOrderReductions() {
        let a: [Float] = (0..<37).map { Float($0) * 0.5 - 4 }
        a.withUnsafeBufferPointer { p in
            XCTAssertEqual(FastMath.sum(p.baseAddress!, count: 37), a.reduce(0, +), accuracy: 1e-4)
            XCTAssertEqual(FastMath.max(p.baseAddress!, count: 37), 14)
            XCTAssertEqual(FastMath.dot(p.baseAddress!, p.baseAddress!, count: 37), a.map { $0 * $0 }.reduce(0, +), accuracy: 1e-3)
        }
    }
}

/// PortableMath against glibc: within 2 ulp over wide grids, and the special values.
final class PortableMathTests: XCTestCase {
    func ulps(_ a: Double, _ b: Double) -> Double { abs(a - b) / b.ulp }

    func testExpLogCosAreWithinTwoUlpOfGlibc() {
        var worst = (exp: 0.0, log: 0.0, cos: 0.0)
        for i in 0..<200_000 {
            let x = -745.0 + 1454.0 * Double(i) / 199_999
            if x < -708 { continue }  // subnormal results: compared below in absolute terms
            worst.exp = max(worst.exp, ulps(PortableMath.exp(x), Foundation.exp(x)))
            let y = Double(bitPattern: 0x0010_0000_0000_0000 &+ UInt64(i) &* 0x0000_5FFF_FFFF_FFFF)  // normal positives
            worst.log = max(worst.log, abs(PortableMath.log(y) - Foundation.log(y)) / max(Foundation.log(y).magnitude.ulp, 1e-300))
            let z = -20.0 + 40.0 * Double(i) / 199_999
            worst.cos = max(worst.cos, abs(PortableMath.cos(z) - Foundation.cos(z)) / 2.220446049250313e-16)
        }
        XCTAssertLessThanOrEqual(worst.exp, 2, "exp")
        XCTAssertLessThanOrEqual(worst.log, 2, "log")
        XCTAssertLessThanOrEqual(worst.cos, 2, "cos (absolute error in units of 2^-52)")
        XCTAssertEqual(PortableMath.exp(0), 1)
        XCTAssertEqual(PortableMath.exp(-745.3), 0)
        XCTAssertEqual(PortableMath.exp(710), .infinity)
        XCTAssertEqual(PortableMath.exp(-740), Foundation.exp(-740), accuracy: 1e-320)
        XCTAssertTrue(PortableMath.exp(.nan).isNaN)
        XCTAssertEqual(PortableMath.log(1), 0)
        XCTAssertEqual(PortableMath.log(0), -.infinity)
        XCTAssertTrue(PortableMath.log(-1).isNaN)
        XCTAssertEqual(PortableMath.log(4.9e-324), Foundation.log(4.9e-324), accuracy: 1e-12)
        XCTAssertEqual(PortableMath.cos(0), 1)
        XCTAssertEqual(AdamW.power(0.9, 3), 0.729, accuracy: 1e-7)
    }
}
