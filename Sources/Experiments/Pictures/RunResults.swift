import Foundation
import Simulator
import Tensor

/// The mean over the clients one evaluation scored.
package struct EvalPoint: Equatable {
    package var round: Int, time: Double, ppl: Double
}

/// What `comigs run` wrote into a run folder, read back: scenario.json,
/// metrics.jsonl, routing.jsonl, summary.json (once finished) and the client
/// adapters clients/client-<i>.safetensors.
package struct RunResults {
    package struct Error: Swift.Error, CustomStringConvertible {
        package let description: String
        package init(description: String) { self.description = description }
    }

    package let path: String
    package let scenario: JSON
    package let summary: RunSummary?
    /// The summary's seed (nil until the run finished).
    package let seed: Int?
    package let metrics: [MetricsRecord]
    package let routing: [RoutingRecord]

    package init(_ path: String) throws {
        self.path = path
        guard let d = FileManager.default.contents(atPath: path + "/scenario.json") else {
            throw Error(description: "\(path): no scenario.json (not a run folder?)")
        }
        guard let s = try? JSON.parse(d), case .object = s else { throw Error(description: "\(path)/scenario.json: not a JSON object") }
        scenario = s
        let summary = path + "/summary.json"
        self.summary = FileManager.default.fileExists(atPath: summary) ? try JSONLines.object(summary) : nil
        seed = self.summary?.seed
        metrics = try JSONLines.read(path + "/metrics.jsonl")
        routing = try JSONLines.read(path + "/routing.jsonl")
    }

    package var folderName: String { URL(fileURLWithPath: path).standardized.lastPathComponent }
    package var name: String { scenario["name"]?.stringValue ?? folderName }
    package var method: String { scenario["method"]?["name"]?.stringValue ?? "?" }
    /// The round policy's name (sync, deadline, overselect, async).
    package var policy: String { scenario["policy"]?["name"]?.stringValue ?? "sync" }
    /// Whom its evaluations scored (`eval_clients`; unset or unreadable: every client).
    package var evalClients: EvalClients { EvalClients(scenario["eval_clients"]) ?? .all }

    package func clientName(_ i: Int) -> String { summary?.clients.first { $0.id == i }?.name ?? "client \(i)" }

    package func adapters(client: Int) -> String { "\(path)/" + ClientModel.adapters(client: client) }

    /// Mean test perplexity over the clients scored at each evaluation round (`eval_clients`; a
    /// round that scored no one has no point); the time is when the last client was evaluated.
    package var meanPerplexity: [EvalPoint] {
        let rounds = Dictionary(grouping: metrics.filter { $0.testPPL.isFinite }, by: \.round)
        return rounds.keys.sorted().map { r in
            let m = rounds[r]!
            return EvalPoint(round: r, time: m.map(\.simTime).max()!, ppl: m.map(\.testPPL).reduce(0, +) / Double(m.count))
        }
    }

    /// The simulated timeline; read on demand (it can be long), and required: a missing or
    /// malformed `events.jsonl` is an error naming the file (and line).
    package func events() throws -> [EventRecord] { try JSONLines.read(try required("events.jsonl")) }

    /// The aggregations; required like `events()`.
    package func rounds() throws -> [RoundRecord] { try JSONLines.read(try required("rounds.jsonl")) }

    /// The path of a file the run folder must hold.
    package func required(_ name: String) throws -> String {
        let file = path + "/" + name
        guard FileManager.default.fileExists(atPath: file) else { throw missing(name) }
        return file
    }

    package func missing(_ name: String) -> Error { Error(description: "\(path)/\(name): missing (not a finished run folder?)") }
}
