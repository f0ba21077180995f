import Foundation
import XCTest
@testable import Experiments
@testable import Tensor

/// Issue 17 §3: every run also writes metrics.csv and a TensorBoard event file, and
/// TensorBoard's own reader returns exactly the values of metrics.jsonl.
final class RunExportsTests: XCTestCase {
    func testCRC32CKnownValue() {
        XCTAssertEqual(TensorBoardEvents.crc32c(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(TensorBoardEvents.crc32c([]), 0)
    }

    /// The venv of scripts/test-tools.sh (CI runs it; elsewhere the reader test is skipped without it).
    static var python: String? {
        let venv = ProcessInfo.processInfo.environment["COMIGS_TEST_VENV"] ?? NSHomeDirectory() + "/.cache/comigs/test-venv"
        let py = venv + "/bin/python"
        return FileManager.default.isExecutableFile(atPath: py) ? py : nil
    }

    func runTiny() throws -> String {
        let dir = try temporaryDirectory("exports")
        let file = dir + "/s.json"
        try Data(RunTests.tiny.utf8).write(to: URL(fileURLWithPath: file))
        let r = try comigs(["run", file, "--out", dir + "/runs", "--quiet", "--set", "method.name=comigs"], cwd: packageRoot)
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").last.map(String.init) ?? ""
    }

    func testMetricsCSVAndTensorBoardMatchMetricsJSONL() throws {
        let folder = try runTiny()
        let metrics: [MetricsRecord] = try JSONLines.read(folder + "/metrics.jsonl")
        XCTAssertFalse(metrics.isEmpty)
        let csv = String(decoding: try Data(contentsOf: URL(fileURLWithPath: folder + "/metrics.csv")), as: UTF8.self)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(csv[0], ["round", "step", "sim_time_s", "client", "train_loss", "test_loss", "test_ppl", "scored"])
        XCTAssertEqual(csv.count, metrics.count + 1)
        for (row, m) in zip(csv.dropFirst(), metrics) {
            XCTAssertEqual(row.map { Double($0) }, [Double(m.round), Double(m.step), m.simTime, Double(m.client), m.trainLoss, m.testLoss, m.testPPL, nil])
            XCTAssertEqual(row[7], m.scored.rawValue)
        }

        guard let python = Self.python else {
            if ProcessInfo.processInfo.environment["CI"] != nil { XCTFail("no TensorBoard venv; run scripts/test-tools.sh") }
            throw XCTSkip("TensorBoard reader missing: run scripts/test-tools.sh")
        }
        let read = try execute(URL(fileURLWithPath: python), [packageRoot + "/scripts/read-tensorboard.py", folder + "/" + RunExports.eventFile],
                               cwd: nil)
        XCTAssertEqual(read.status, 0, read.stderr)
        guard case .object(let tags) = try JSON.parse(read.stdout) else { return XCTFail("not an object: \(read.stdout.prefix(200))") }
        var scalars: [String: [[Double]]] = [:]
        for (tag, list) in tags {
            scalars[tag] = (list.arrayValue ?? []).map { p in (p.arrayValue ?? []).compactMap { $0.doubleValue } }
        }
        func points(_ tag: String) -> [[Double]] { scalars[tag] ?? [] }
        var seen = 0
        for m in metrics {
            let client = m.client, round = Double(m.round), t = m.simTime
            for (key, value) in [("test_ppl", m.testPPL), ("test_loss", m.testLoss), ("train_loss", m.trainLoss)] {
                guard let v = value else { continue }
                let hits = points("\(key)/client\(client)").filter { $0[0] == round && $0[1] == t }
                XCTAssertEqual(hits.count, 1, "\(key) client \(client) round \(round)")
                XCTAssertEqual(hits.first.map { Float($0[2]) }, Float(v), "\(key) client \(client) round \(round)")
                seen += 1
            }
        }
        let logged = scalars.filter { ["test_ppl/client", "test_loss/client", "train_loss/client"].contains(where: $0.key.hasPrefix) }
        XCTAssertEqual(seen, logged.values.map(\.count).reduce(0, +), "every TensorBoard point has a metrics.jsonl line")
        XCTAssertFalse(points("test_ppl/mean").isEmpty)
        XCTAssertFalse(points("routing/accuracy/layer0/client0").isEmpty, "routing agreement is logged for a mixture")
        XCTAssertFalse(points("bytes_up_total").isEmpty)
    }
}
