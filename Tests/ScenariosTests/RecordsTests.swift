import Foundation
import Simulator
import Tensor
import XCTest
@testable import Experiments

/// The typed output records read and write the committed outputs byte for byte: every line of
/// the golden traces and the quickstart's files decodes and encodes back to the same text, and
/// summary.md is the quickstart summary's markdown.
final class RecordsTests: XCTestCase {
    /// Each line of `file`, decoded as `T` and encoded again, is the line itself; returns the records.
    @discardableResult
    func assertLinesRoundTrip<T: Codable>(_ type: T.Type, _ file: String) throws -> [T] {
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        let records: [T] = try JSONLines.read(file)
        XCTAssertEqual(records.count, lines.count, file)
        XCTAssertFalse(records.isEmpty, file)
        for (line, record) in zip(lines, records) { XCTAssertEqual(try JSONLines.line(record), line, file) }
        return records
    }

    func testGoldenTracesRoundTrip() throws {
        for run in ["comigs-1g1s", "comigs-1g3s", "pfedmoe"] {
            let dir = packageRoot + "/Tests/Golden/" + run
            try assertLinesRoundTrip(MetricsRecord.self, dir + "/metrics.jsonl")
            try assertLinesRoundTrip(RoutingRecord.self, dir + "/routing.jsonl")
            try assertLinesRoundTrip(RoundRecord.self, dir + "/rounds.jsonl")
            let events = try assertLinesRoundTrip(EventRecord.self, dir + "/events.jsonl")
            XCTAssertTrue(events.contains { $0.client == nil } && events.contains { $0.client != nil })
        }
    }

    func testQuickstartOutputsRoundTrip() throws {
        let dir = packageRoot + "/results/quickstart"
        try assertLinesRoundTrip(MetricsRecord.self, dir + "/metrics.jsonl")
        let routing = try assertLinesRoundTrip(RoutingRecord.self, dir + "/routing.jsonl")
        try assertLinesRoundTrip(RoundRecord.self, dir + "/rounds.jsonl")
        let summary: RunSummary = try JSONLines.object(dir + "/summary.json")
        XCTAssertEqual(try JSONValueEncoder().encode(summary).text(indent: "  ") + "\n", try String(contentsOfFile: dir + "/summary.json", encoding: .utf8))
        XCTAssertEqual(summary.markdown, try String(contentsOfFile: dir + "/summary.md", encoding: .utf8))
        XCTAssertEqual(RoutingSummary.lastEvaluation(routing, round: summary.rounds), summary.routing)
    }

    /// The run writes `TimelineEvent.jsonLine`, which must be `EventRecord`'s encoding.
    func testEventLinesAreTheRecordsEncoding() throws {
        for e in [TimelineEvent(time: 0, kind: .roundStart, round: 0, client: -1), TimelineEvent(time: 123_456_789, kind: .uploadDone, round: 7, client: 3)] {
            XCTAssertEqual(try JSONLines.line(EventRecord(e)), e.jsonLine)
        }
    }

    /// metrics.csv's header is the record's members, in the order it writes them.
    func testCSVColumnsAreTheMetricsMembers() throws {
        let m = MetricsRecord(round: 1, step: 10, simTime: 2.5, client: 0, trainLoss: nil, testLoss: 3, testPPL: 20.085, scored: .afterAggregation)
        guard case .object(let members) = try JSONValueEncoder().encode(m) else { return XCTFail("not an object") }
        XCTAssertEqual(members.map(\.0), MetricsRecord.CodingKeys.allCases.map(\.stringValue))
        XCTAssertEqual(try RunExports.csv([m]), "round,step,sim_time_s,client,train_loss,test_loss,test_ppl,scored\n1,10,2.5,0,,3.0,20.085,after_aggregation\n")
    }

    /// A bad line names the file, the line and the member.
    func testBadLinesNameFileLineAndMember() throws {
        let file = try temporaryDirectory("records") + "/rounds.jsonl"
        let good = try JSONLines.line(RoundRecord(round: 0, start: 0, end: 1, selected: [0], arrived: [0], failed: [], dropped: [], bytesUp: 1,
                                                  bytesDown: 2, bytesPerClient: [.init(client: 0, up: 1, down: 2)]))
        for (bad, reason) in [(good.replacingOccurrences(of: #""up":1"#, with: #""up":1.5"#), "bytes_per_client[0].up: expected an integer, found a number"),
                              (good.replacingOccurrences(of: #","dropped":[]"#, with: ""), "no \"dropped\""),
                              ("{", "line 1, column 2: expected a quoted key")] {
            try Data((good + "\n\n" + bad + "\n").utf8).write(to: URL(fileURLWithPath: file))
            XCTAssertThrowsError(try JSONLines.read(file) as [RoundRecord]) { e in XCTAssertEqual("\(e)", "\(file):3: \(reason)") }
        }
    }
}
