import Foundation
import XCTest
@testable import Scenarios

/// The golden routing traces (Tests/Golden): any change to a routing decision,
/// a loss or an evaluation shows up as a byte difference.
final class GoldenTests: XCTestCase {
    func testGoldenTracesMatchByteForByte() throws {
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(packageRoot))
        let diffs = try GoldenCommand.compare(dir: packageRoot + "/Tests/Golden")
        XCTAssertEqual(diffs.count, 0, diffs.map { "\($0.scenario)/\($0.file): \($0.summary)" }.joined(separator: "\n"))
    }

    func testSummaryPointsAtTheFirstDifference() {
        let s = GoldenCommand.summary(old: "a\nb\nc\n", new: "a\nB\nc\n")
        XCTAssertTrue(s.hasPrefix("1 of 4 lines differ; first at line 2"), s)
        XCTAssertTrue(s.contains("was: b") && s.contains("now: B"), s)
    }
}
