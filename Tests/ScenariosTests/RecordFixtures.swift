import Foundation
import Tensor
@testable import Experiments

/// Records for run folders written by hand (pictures, HTML pages, reports), so that they have
/// exactly the members `comigs run` writes.
extension RoundRecord {
    /// A round that moved no bytes and lost no one: what a timeline reads of it.
    static func span(_ round: Int, _ start: Double, _ end: Double, selected: [Int]) -> RoundRecord {
        RoundRecord(round: round, start: start, end: end, selected: selected, arrived: selected, failed: [], dropped: [], bytesUp: 0,
                    bytesDown: 0, bytesPerClient: [])
    }
}

extension RunSummary {
    /// A summary of `clients`, their mean perplexity, bytes up and simulated time; the rest zero or left out.
    static func fixture(name: String, label: String, method: String, seed: Int, clients: [Client], mean: Double? = nil,
                        bytesUp: Int = 0, simTime: Double = 0) -> RunSummary {
        RunSummary(name: name, label: label, method: method, seed: seed, scored: .beforeAggregation, rounds: 1, clients: clients,
                   meanTestPPL: mean, bayesMeanPPL: nil, pplOverBayes: nil, baseMisfits: nil, routing: nil, bytesUp: bytesUp, bytesDown: 0,
                   simTime: simTime, timeToTarget: nil, events: 0)
    }
}

extension RunSummary.Client {
    static func fixture(_ id: Int, _ name: String, device: String = "mid", testPPL: Double, bayesPPL: Double? = nil) -> Self {
        Self(id: id, name: name, device: device, specialists: nil, testPPL: testPPL, testLoss: nil, bayesPPL: bayesPPL, basePPL: nil, unigramPPL: nil)
    }
}

/// The records as a JSONL file, or the record as an indented JSON file (`summary.json`).
func writeLines(_ records: [some Encodable], to path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(records.map { try JSONLines.line($0) + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: path))
}

func writeJSON(_ record: some Encodable, to path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data((JSONValueEncoder().encode(record).text(indent: "  ") + "\n").utf8).write(to: URL(fileURLWithPath: path))
}
