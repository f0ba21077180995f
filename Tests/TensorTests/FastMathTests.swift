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
        for i in stride(from: 0, to: xs.count - 16, by: 16) {
            let v = FastMath.exp(Vec(xs[i..<i + 16]))
            for j in 0..<16 { let ref = exp(Double(xs[i + j])); worstV = max(worstV, abs(Double(v[j]) - ref) / ref) }
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertLessThan(worstV, 3e-7)
        XCTAssertEqual(FastMath.exp(-200), 0, accuracy: 1e-37)
        XCTAssertTrue(FastMath.exp(200).isFinite)
    }

    func testTanhAbsoluteError() {
        var worst = 0.0, worstV = 0.0
        let xs = grid(-12, 12)
        for x in xs { worst = max(worst, abs(Double(FastMath.tanh(x)) - tanh(Double(x)))) }
        for i in stride(from: 0, to: xs.count - 16, by: 16) {
            let v = FastMath.tanh(Vec(xs[i..<i + 16]))
            for j in 0..<16 { worstV = max(worstV, abs(Double(v[j]) - tanh(Double(xs[i + j])))) }
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertLessThan(worstV, 3e-7)
        // Odd symmetry and the small-argument branch are exact in sign.
        XCTAssertEqual(FastMath.tanh(-0.3), -FastMath.tanh(0.3))
        XCTAssertEqual(FastMath.tanh(1e-6), 1e-6, accuracy: 1e-12)
    }
}
