import Foundation
import XCTest
@testable import comigs
import Tensor

/// The golden routing traces (Tests/Golden): any change to a routing decision,
/// a loss or an evaluation shows up as a byte difference.
final class GoldenTests: XCTestCase {
    /// The golden sets: the full one, and the small one the emulated CPUs re-run
    /// (scripts/emulated-check.sh), which the host checks on every path too.
    static let sets = ["Tests/Golden", "Tests/Golden/emulated"]

    func testGoldenTracesMatchByteForByte() throws {
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(packageRoot))
        for set in Self.sets {
            let diffs = try GoldenCommand.compare(dir: packageRoot + "/" + set)
            XCTAssertEqual(diffs.count, 0, diffs.map { "\(set) \($0.scenario)/\($0.file): \($0.summary)" }.joined(separator: "\n"))
        }
    }

    /// Every kernel path this CPU can run (COMIGS_KERNELS=generic|fma|avx2|avx512|neon) reproduces
    /// the same committed files; an unknown or unsupported path is an exit-2 error naming the variable.
    func testGoldenTracesMatchOnEveryKernelPath() throws {
        for path in MatMul.Path.allCases where path.isSupported {
            for set in Self.sets {
                let r = try comigs(["golden", "--dir", set], cwd: packageRoot, environment: ["COMIGS_KERNELS": path.name])
                XCTAssertEqual(r.status, 0, "\(path.name), \(set): \(r.stdout)\(r.stderr)")
                XCTAssertTrue(r.stdout.contains("golden traces match"), "\(path.name), \(set): \(r.stdout)")
            }
        }
        let bad = try comigs(["golden"], cwd: packageRoot, environment: ["COMIGS_KERNELS": "sse9"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("COMIGS_KERNELS: unknown path 'sse9'"), bad.stderr)
        if let missing = MatMul.Path.allCases.first(where: { !$0.isSupported }) {
            let r = try comigs(["golden"], cwd: packageRoot, environment: ["COMIGS_KERNELS": missing.name])
            XCTAssertEqual(r.status, 2)
            XCTAssertTrue(r.stderr.contains("cannot run the '\(missing.name)' path"), r.stderr)
        }
    }

    func testSummaryPointsAtTheFirstDifference() {
        let s = GoldenCommand.summary(old: "a\nb\nc\n", new: "a\nB\nc\n")
        XCTAssertTrue(s.hasPrefix("1 of 4 lines differ; first at line 2"), s)
        XCTAssertTrue(s.contains("was: b") && s.contains("now: B"), s)
    }
}
