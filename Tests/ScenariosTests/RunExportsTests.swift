import Foundation
import XCTest
@testable import Scenarios
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
        let metrics = try RunExports.lines(folder + "/metrics.jsonl")
        XCTAssertFalse(metrics.isEmpty)
        let csv = String(decoding: try Data(contentsOf: URL(fileURLWithPath: folder + "/metrics.csv")), as: UTF8.self)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(csv[0], RunExports.csvColumns)
        XCTAssertEqual(csv.count, metrics.count + 1)
        for (row, m) in zip(csv.dropFirst(), metrics) {
            XCTAssertEqual(Double(row[6]), m["test_ppl"]?.doubleValue)
            XCTAssertEqual(Double(row[2]), m["sim_time_s"]?.doubleValue)
            XCTAssertEqual(row[4].isEmpty ? nil : Double(row[4]), m["train_loss"]?.doubleValue)
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
            let client = Int(m["client"]!.doubleValue!), round = m["round"]!.doubleValue!, t = m["sim_time_s"]!.doubleValue!
            for key in ["test_ppl", "test_loss", "train_loss"] {
                guard let v = m[key]?.doubleValue else { continue }
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
