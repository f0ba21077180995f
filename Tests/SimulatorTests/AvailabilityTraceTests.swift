import XCTest
@testable import Simulator

/// FedScale's cyclic active intervals, and a device that must not train while inactive.
final class AvailabilityTraceTests: XCTestCase {
    /// Active [0, 1) and [100, 1000) of a 1000-unit cycle: the second runs into the first of the next cycle.
    let trace = AvailabilityTrace(period: 1000, intervals: [0..<1, 100..<1000])

    func testMembershipNextOnAndLeaving() throws {
        XCTAssertTrue(trace.isOn(at: 0))
        XCTAssertFalse(trace.isOn(at: 1))
        XCTAssertFalse(trace.isOn(at: 99))
        XCTAssertTrue(trace.isOn(at: 100))
        XCTAssertTrue(trace.isOn(at: 1000), "cyclic: 1000 is 0 of the next cycle")
        XCTAssertFalse(trace.isOn(at: 1050))
        XCTAssertEqual(trace.nextOn(after: 5), 100)
        XCTAssertEqual(trace.nextOn(after: 500), 500)
        XCTAssertEqual(trace.nextOn(after: 1001), 1100)
        XCTAssertEqual(trace.offAfter(0), 1)
        XCTAssertEqual(trace.offAfter(150), 1001, "on through the cycle's end into [0, 1) of the next")
        XCTAssertNil(AvailabilityTrace(period: 10, intervals: [0..<4, 4..<10]).offAfter(3), "touching intervals merge: always on")
        let late = AvailabilityTrace(period: 100, intervals: [20..<30, 50..<60])
        XCTAssertEqual(late.nextOn(after: 65), 120, "after the last interval: the first of the next cycle")
        XCTAssertEqual(late.offAfter(255), 260)
    }

    /// Three clients, 5 s rounds (2 s down, 1 s compute, 2 s up). Client 0's trace is the one
    /// above in seconds: it starts round 0, leaves at 1 s (offline, update lost), sits out every
    /// round that starts in [1 s, 100 s) and trains nothing then, and is back from 100 s on.
    func testInactiveDeviceDoesNotTrainThen() throws {
        let d = DeviceProfile(name: "t", flops: 1e9, memory: 1 << 30, upload: 0.5e6, download: 1e6)
        var cs = (0..<3).map { _ in SimClient(device: d, stepFlops: 1e8, localSteps: 10, uploadBytes: 1_000_000, downloadBytes: 2_000_000) }
        cs[0].schedule = .trace(AvailabilityTrace(period: 1_000_000_000, intervals: [0..<1_000_000, 100_000_000..<1_000_000_000]))
        let sim = Simulation(clients: cs, config: SimulationConfig(rounds: 30, seed: 1))
        var events: [TimelineEvent] = []
        sim.onEvent = { events.append($0) }
        let out = try sim.run()
        let own = events.filter { $0.client == 0 }
        XCTAssertEqual(own.first.map { "\($0.kind.rawValue)@\($0.time)" }, "offline@1000000")
        XCTAssertEqual(out[0].failed, [0])
        XCTAssertEqual(out[0].arrived.map(\.client), [1, 2])
        XCTAssertEqual(sim.stepsDone[0], out.filter { $0.arrived.contains { $0.client == 0 } }.count * 10, "the lost round trained nothing")
        XCTAssertFalse(own.contains { $0.time > 1_000_000 && $0.time < 100_000_000 }, "nothing while inactive")
        for o in out where o.start >= 1_000_000 && o.start < 100_000_000 { XCTAssertFalse(o.selected.contains(0), "round \(o.round)") }
        let back = out.first { $0.start >= 100_000_000 }!
        XCTAssertEqual(back.arrived.map(\.client), [0, 1, 2])
    }
}
