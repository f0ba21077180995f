import XCTest
@testable import Scenarios

final class ArgumentsTests: XCTestCase {
    func testUnknownOptionIsNamed() {
        XCTAssertThrowsError(try Arguments(["--nope", "1"], valued: ["--steps"])) { e in
            XCTAssertEqual("\(e)", "unknown option --nope")
        }
        let a = try! Arguments(["engine", "--steps", "5"], valued: ["--steps"])
        XCTAssertEqual(a.positional, ["engine"])
        XCTAssertEqual(try a.int("--steps", default: 1, range: 1...10), 5)
        XCTAssertThrowsError(try a.int("--steps", default: 1, range: 6...10))
    }
}
