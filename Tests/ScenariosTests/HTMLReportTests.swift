import Foundation
import Simulator
import Tensor
import XCTest
@testable import Scenarios

/// Issue 17 §4: `comigs report RUN_DIR --html` — the timeline's geometry from known events.
final class HTMLReportTests: XCTestCase {
    var dir: String!
    override func setUpWithError() throws { dir = try temporaryDirectory("html") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// An event at `t` seconds (whole microseconds).
    func ev(_ t: Double, _ kind: EventKind, _ round: Int, _ client: Int? = nil) -> EventRecord {
        EventRecord(time: SimTime((t * 1e6).rounded()), kind: kind, round: round, client: client)
    }

    /// Round 0: client 0 downloads until 1 s, trains until 5 s, uploads until 6 s; client 1
    /// downloads until 2 s and fails at 3 s. Round 1 (deadline at 8 s): client 0 is dropped at
    /// the start (nothing fits), client 1 downloads until 6.5 s and is dropped at the deadline.
    /// Client 2 is selected for neither round.
    static let syncEvents: [(Double, EventKind, Int, Int?)] = [
        (0, .roundStart, 0, nil), (1, .downloadDone, 0, 0), (2, .downloadDone, 0, 1), (3, .clientFailure, 0, 1),
        (5, .trainingDone, 0, 0), (6, .uploadDone, 0, 0), (6, .aggregation, 0, nil), (6, .roundStart, 1, nil),
        (6, .dropped, 1, 0), (6.5, .downloadDone, 1, 1), (8, .dropped, 1, 1), (8, .deadline, 1, nil), (8, .aggregation, 1, nil),
    ]

    func syncTimeline() -> Timeline {
        Timeline(events: Self.syncEvents.map { ev($0.0, $0.1, $0.2, $0.3) },
                 rounds: [RoundRecord(round: 0, start: 0, end: 6, selected: [0, 1]), RoundRecord(round: 1, start: 6, end: 8, selected: [0, 1])],
                 async: false, clients: 3)
    }

    func testSyncBarsStartAtTheRoundStart() {
        let t = syncTimeline()
        typealias B = Timeline.Bar
        XCTAssertEqual(t.bars, [B(client: 0, round: 0, phase: .download, start: 0, end: 1), B(client: 1, round: 0, phase: .download, start: 0, end: 2),
                                B(client: 1, round: 0, phase: .training, start: 2, end: 3), B(client: 0, round: 0, phase: .training, start: 1, end: 5),
                                B(client: 0, round: 0, phase: .upload, start: 5, end: 6), B(client: 1, round: 1, phase: .download, start: 6, end: 6.5),
                                B(client: 1, round: 1, phase: .training, start: 6.5, end: 8)])
        XCTAssertEqual(t.marks, [Timeline.Event(client: 1, round: 0, mark: .failure, time: 3), Timeline.Event(client: 0, round: 1, mark: .late, time: 6),
                                 Timeline.Event(client: 1, round: 1, mark: .late, time: 8)])
        XCTAssertEqual(t.absences, [Timeline.Absence(client: 2, round: 0, start: 0, end: 6), Timeline.Absence(client: 2, round: 1, start: 6, end: 8)])
        XCTAssertEqual(t.aggregations, [6, 8])
        XCTAssertEqual(t.deadlines, [8])
        XCTAssertEqual(t.end, 8)
    }

    /// Under async a client starts at the last freed slot: client 0 uploads at 3.5 s and starts
    /// again; its second download ends at 4.2 s and its training is cut by the run's end at 5 s.
    /// Client 1's stale update is a marker, not a bar.
    func testAsyncBarsStartWhereASlotFreed() {
        let events = [ev(0, .roundStart, 0), ev(0.5, .downloadDone, 0, 0), ev(1, .downloadDone, 0, 1), ev(3, .trainingDone, 0, 0),
                      ev(3.5, .uploadDone, 0, 0), ev(4, .trainingDone, 0, 1), ev(4.2, .downloadDone, 0, 0), ev(5, .uploadDone, 0, 1),
                      ev(5, .dropped, 0, 1)]
        let t = Timeline(events: events, rounds: [RoundRecord(round: 0, start: 0, end: 5, selected: [0])], async: true, clients: 2)
        XCTAssertEqual(t.bars.filter { $0.phase == .download }.map { [Double($0.client), $0.start, $0.end] }, [[0, 0, 0.5], [1, 0, 1], [0, 3.5, 4.2]])
        XCTAssertEqual(t.bars.filter { $0.client == 1 }.map(\.phase), [.download, .training, .upload])
        XCTAssertEqual(t.bars.last, Timeline.Bar(client: 0, round: 0, phase: .training, start: 4.2, end: 5, cut: true))
        XCTAssertEqual(t.bars.filter(\.cut).count, 1)
        XCTAssertEqual(t.marks, [Timeline.Event(client: 1, round: 0, mark: .stale, time: 5)])
        XCTAssertEqual(t.absences, [], "async rounds do not say who sat out")
    }

    /// Each shape of the SVG that has a tooltip, by its tooltip.
    func shapes(_ svg: SVG) throws -> [String: [String: String]] {
        let path = dir + "/picture.svg"
        try svg.write(to: path)
        let c = try SVGContent.parse(path)
        var out: [String: [String: String]] = [:], k = 0
        for (i, e) in c.elements.enumerated() where e.name == "title" {
            out[c.titles[k]] = c.elements[i - 1].attributes
            k += 1
        }
        return out
    }

    /// The x axis runs 0…8 s over x = 120…1056 px: 117 px a second.
    func testBarsAndMarkersSitAtTheirTimes() throws {
        let t = syncTimeline()
        XCTAssertEqual(TimelinePicture.axis(t).px(8), 1056)
        let s = try shapes(TimelinePicture.render(t, title: "t", names: { ["alpha", "beta", "gamma"][$0] }))
        let training = try XCTUnwrap(s["beta · round 0 · training 2–3 s"])
        XCTAssertEqual(training["x"], "354")
        XCTAssertEqual(training["width"], "117")
        XCTAssertEqual(training["fill"], TimelinePicture.colours[.training])
        XCTAssertEqual(s["alpha · round 0 · upload 5–6 s"]?["x"], "705")
        XCTAssertEqual(s["beta · round 1 · download 6–6.5 s"]?["width"], "58.5")
        XCTAssertEqual(s["gamma · round 1: not selected"]?["x"], "822")
        // Rows of 22 px from y = 96: beta's bars are 60% of its row, centred.
        XCTAssertEqual(training["y"], SVG.num(96 + 22 + 22 * 0.2))
        let failure = try XCTUnwrap(s["beta · round 0 · failed, update lost at 3 s"]?["points"])
        let xs = failure.split(separator: " ").compactMap { Double($0.split(separator: ",")[0]) }
        XCTAssertEqual((xs.min()! + xs.max()!) / 2, 471, accuracy: 0.01, "centred on 3 s")
        XCTAssertNotNil(s["alpha · round 1 · dropped (late) at 6 s"])
        XCTAssertNil(s.keys.first { $0.hasPrefix("alpha · round 1 ·") && $0.contains("download") }, "dropped at its start: no bar")
    }

    func testManyClientsAreCappedAndSaidSo() throws {
        let events = [ev(0, .roundStart, 0), ev(1, .downloadDone, 0, 5), ev(1, .downloadDone, 0, 99)]
        let t = Timeline(events: events, rounds: [], async: false, clients: 100)
        let svg = TimelinePicture.render(t, title: "t", names: { "client \($0)" })
        let s = try shapes(svg)
        XCTAssertNotNil(s["client 5 · round 0 · download 0–1 s"])
        XCTAssertNil(s["client 99 · round 0 · download 0–1 s"])
        XCTAssertTrue(svg.document.contains(">showing the first 60 of 100 clients<"))
        XCTAssertEqual(TimelinePicture.rowHeight(rows: 60), 10)
        XCTAssertEqual(svg.height, 96 + 600 + 52)
    }
}
