import XCTest
@testable import Simulator
import Tensor

final class EventQueueTests: XCTestCase {
    func testOrdersByTimeThenInsertion() {
        var q = EventQueue<String>()
        q.schedule(at: 50, "c")
        q.schedule(at: 10, "a")
        q.schedule(at: 50, "d")
        q.schedule(at: 10, "b")
        q.schedule(at: 0, "start")
        var out: [String] = []
        while let e = q.pop() { out.append(e.payload) }
        XCTAssertEqual(out, ["start", "a", "b", "c", "d"])
        XCTAssertEqual(q.now, 50)
    }

    func testMatchesASortOnRandomTimes() {
        var rng = RNG(seed: 4, stream: "q")
        var q = EventQueue<Int>()
        var ref: [(SimTime, Int)] = []
        for i in 0..<5000 {
            let t = SimTime(rng.int(below: 300))
            q.schedule(at: t, i)
            ref.append((t, i))
        }
        ref.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        var got: [Int] = []
        while let e = q.pop() { got.append(e.payload) }
        XCTAssertEqual(got, ref.map(\.1))
    }
}
