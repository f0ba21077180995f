import XCTest
@testable import Tensor

/// Central finite differences against analytic gradients, tolerance-aware
/// for float32: |analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|).
/// The numeric value is Richardson-extrapolated, (4·D(h/2) − D(h)) / 3, which
/// cancels the h² error term: tiny models behind LayerNorm are strongly curved.
struct GradCheck {
    var h: Float = 1e-2
    var atol: Float = 1e-4
    var rtol: Float = 2e-2

    /// Checks `analytic[i]` against d loss / d x[i] for the given indices.
    /// `signature` (read after each loss) names the discrete decisions the loss
    /// depends on, e.g. the routers' expert choices: an index whose perturbation
    /// changes them is skipped, since the loss is only piecewise smooth there.
    /// Returns how many indices were checked.
    @discardableResult
    func check(_ label: String, x: UnsafeMutablePointer<Float>, analytic: UnsafePointer<Float>, indices: [Int],
               loss: () -> Double, signature: (() -> [Int32])? = nil,
               file: StaticString = #filePath, line: UInt = #line) -> Int {
        var worst: Float = 0, checked = 0
        let base = signature?()
        for i in indices {
            let old = x[i]
            var crossed = false
            func central(_ h: Float) -> Double {
                x[i] = old + h; let lp = loss()
                if let signature, signature() != base { crossed = true }
                x[i] = old - h; let lm = loss()
                if let signature, signature() != base { crossed = true }
                x[i] = old
                return (lp - lm) / Double(2 * h)
            }
            let num = Float((4 * central(h / 2) - central(h)) / 3)
            if crossed { continue }
            checked += 1
            let a = analytic[i]
            let err = abs(a - num), bound = atol + rtol * max(abs(a), abs(num))
            worst = max(worst, err / bound)
            if err > bound {
                XCTFail("\(label)[\(i)]: analytic \(a) vs numeric \(num)", file: file, line: line)
                continue
            }
        }
        XCTAssertLessThanOrEqual(worst, 1, label, file: file, line: line)
        return checked
    }

    /// Up to `k` indices spread deterministically over 0..<count.
    static func sample(_ count: Int, _ k: Int = 24, seed: UInt64 = 1) -> [Int] {
        if count <= k { return Array(0..<count) }
        var r = RNG(seed: seed, stream: "gradcheck")
        return (0..<k).map { _ in r.int(below: count) }
    }
}

extension Tensor {
    static func random(_ shape: [Int], std: Float = 1, seed: UInt64) -> Tensor {
        let t = Tensor(shape)
        var r = RNG(seed: seed, stream: "test")
        t.fillNormal(std: std, rng: &r)
        return t
    }
}

/// Σ out[i] · r[i] in Double: a scalar whose gradient with respect to `out` is r.
func project(_ out: UnsafePointer<Float>, _ r: Tensor) -> Double {
    var s = 0.0
    for i in 0..<r.count { s += Double(out[i]) * Double(r.ptr[i]) }
    return s
}
