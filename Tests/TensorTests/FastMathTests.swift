import XCTest
@testable import Tensor

/// Error bounds of the polynomial exp/tanh (scalar and 16-lane) against glibc in Double.
final class FastMathTests: XCTestCase {
    func grid(_ lo: Float, _ hi: Float, _ n: Int = 200_000) -> [Float] {
        (0..<n).map { lo + (hi - lo) * Float($0) / Float(n - 1) }
    }

    func testExpRelativeError() {
        var worst = 0.0, worstV = 0.0
        let xs = grid(-87, 88)
        for x in xs {
            let ref = exp(Double(x))
            worst = max(worst, abs(Double(FastMath.exp(x)) - ref) / ref)
        }
        // The vectorised loop (as softmax runs it) must agree with the bound too.
        var v = xs
        _ = v.withUnsafeMutableBufferPointer { Softmax.expInPlace($0.baseAddress!, count: xs.count, shift: 0) }
        for (x, e) in zip(xs, v) { let ref = exp(Double(x)); worstV = max(worstV, abs(Double(e) - ref) / ref) }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertLessThan(worstV, 3e-7)
        XCTAssertEqual(FastMath.exp(-200), 0, accuracy: 1e-37)
        XCTAssertTrue(FastMath.exp(200).isFinite)
    }

    func testTanhAbsoluteError() {
        var worst = 0.0, worstV = 0.0
        let xs = grid(-12, 12)
        for x in xs { worst = max(worst, abs(Double(FastMath.tanh(x)) - tanh(Double(x)))) }
        // Through the vectorised GELU loop: gelu(x) = 0.5·x·(1 + tanh(u)).
        var y = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { GELU.forward($0.baseAddress!, x.baseAddress!, count: xs.count) } }
        for (x, g) in zip(xs, y) {
            let xd = Double(x), ref = 0.5 * xd * (1 + tanh(0.7978845608028654 * (xd + 0.044715 * xd * xd * xd)))
            worstV = max(worstV, abs(Double(g) - ref) / max(1, abs(xd)))
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertLessThan(worstV, 1e-6)
        // Odd symmetry and the small-argument branch are exact in sign.
        XCTAssertEqual(FastMath.tanh(-0.3), -FastMath.tanh(0.3))
        XCTAssertEqual(FastMath.tanh(1e-6), 1e-6, accuracy: 1e-12)
    }
}
