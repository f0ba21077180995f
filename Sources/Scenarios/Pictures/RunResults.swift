import Foundation
import Simulator
import Tensor

/// One line of `metrics.jsonl`: one client at one evaluation.
struct MetricRecord: Decodable {
    var round: Int, step: Int, simTime: Double, client: Int
    var trainLoss: Double?, testLoss: Double?, testPPL: Double?

    enum CodingKeys: String, CodingKey {
        case round, step, client, simTime = "sim_time_s", trainLoss = "train_loss", testLoss = "test_loss", testPPL = "test_ppl"
    }
}

/// One line of `routing.jsonl`: one client and layer at one evaluation.
struct RoutingRecord: Decodable {
    var round: Int, step: Int, simTime: Double, client: Int, layer: Int
    var top1Share: [Double], meanProb: [Double], entropy: Double
    var generalToGeneralist: Double?, privateToSpecialist: Double?, accuracy: Double?

    enum CodingKeys: String, CodingKey {
        case round, step, client, layer, entropy, accuracy, simTime = "sim_time_s", top1Share = "top1_share",
             meanProb = "mean_prob", generalToGeneralist = "general_to_generalist", privateToSpecialist = "private_to_specialist"
    }
}

/// One line of `events.jsonl` (Simulator's `TimelineEvent`): no client for server events.
struct EventRecord: Decodable, Equatable {
    var time: SimTime, kind: EventKind, round: Int, client: Int?

    enum CodingKeys: String, CodingKey { case round, client, time = "t_us", kind = "event" }

    var seconds: Double { Double(time) / 1e6 }
}

/// One line of `rounds.jsonl`, the fields the timeline reads: one aggregation's span (seconds)
/// and the clients selected for it.
struct RoundRecord: Decodable, Equatable {
    var round: Int, start: Double, end: Double, selected: [Int]

    enum CodingKeys: String, CodingKey { case round, selected, start = "start_s", end = "end_s" }
}

/// The mean over clients at one evaluation.
struct EvalPoint: Equatable {
    var round: Int, time: Double, ppl: Double
}

/// What `comigs run` wrote into a run folder, read back: scenario.json,
/// metrics.jsonl, routing.jsonl, summary.json (once finished) and the client
/// adapters clients/client-<i>.safetensors.
struct RunResults {
    struct Error: Swift.Error, CustomStringConvertible { let description: String }

    let path: String
    let scenario: JSON
    let summary: JSON?
    let metrics: [MetricRecord]
    let routing: [RoutingRecord]

    init(_ path: String) throws {
        self.path = path
        guard let s = try Self.object(path + "/scenario.json") else {
            throw Error(description: "\(path): no scenario.json (not a run folder?)")
        }
        scenario = s
        summary = try Self.object(path + "/summary.json")
        metrics = try Self.lines(path + "/metrics.jsonl")
        routing = try Self.lines(path + "/routing.jsonl")
    }

    var folderName: String { URL(fileURLWithPath: path).standardized.lastPathComponent }
    var name: String { scenario["name"]?.stringValue ?? folderName }
    var method: String { scenario["method"]?["name"]?.stringValue ?? "?" }
    /// The round policy's name (sync, deadline, overselect, async).
    var policy: String { scenario["policy"]?["name"]?.stringValue ?? "sync" }
    var seed: Int? { summary?["seed"]?.doubleValue.map { Int($0) } }

    func clientName(_ i: Int) -> String {
        guard case .array(let cs)? = summary?["clients"] else { return "client \(i)" }
        return cs.first { $0["id"]?.doubleValue == Double(i) }?["name"]?.stringValue ?? "client \(i)"
    }

    func adapters(client: Int) -> String { "\(path)/" + ClientModel.adapters(client: client) }

    /// Mean test perplexity over clients per evaluation round; the time is when
    /// the last client was evaluated.
    var meanPerplexity: [EvalPoint] {
        let rounds = Dictionary(grouping: metrics.filter { $0.testPPL?.isFinite == true }, by: \.round)
        return rounds.keys.sorted().map { r in
            let m = rounds[r]!
            return EvalPoint(round: r, time: m.map(\.simTime).max()!, ppl: m.map { $0.testPPL! }.reduce(0, +) / Double(m.count))
        }
    }

    /// The simulated timeline; read on demand (it can be long), and required: a missing or
    /// malformed `events.jsonl` is an error naming the file (and line).
    func events() throws -> [EventRecord] { try Self.lines(try required("events.jsonl")) }

    /// The aggregations; required like `events()`.
    func rounds() throws -> [RoundRecord] { try Self.lines(try required("rounds.jsonl")) }

    /// The path of a file the run folder must hold.
    func required(_ name: String) throws -> String {
        let file = path + "/" + name
        guard FileManager.default.fileExists(atPath: file) else { throw missing(name) }
        return file
    }

    func missing(_ name: String) -> Error { Error(description: "\(path)/\(name): missing (not a finished run folder?)") }

    private static func object(_ file: String) throws -> JSON? {
        guard let d = FileManager.default.contents(atPath: file) else { return nil }
        guard let o = try? JSON.parse(d), case .object = o else { throw Error(description: "\(file): not a JSON object") }
        return o
    }

    /// JSON lines; a missing file is no lines, a bad line is an error naming file and line.
    private static func lines<T: Decodable>(_ file: String) throws -> [T] {
        guard let d = FileManager.default.contents(atPath: file) else { return [] }
        let dec = JSONDecoder()
        return try String(decoding: d, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { i, line in
            if line.allSatisfy(\.isWhitespace) { return nil }
            do { return try dec.decode(T.self, from: Data(line.utf8)) } catch {
                throw Error(description: "\(file):\(i + 1): \(reason(error))")
            }
        }
    }

    /// A decoding error as "key: what is wrong" rather than its debug dump.
    private static func reason(_ error: Swift.Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _)?: "no \"\(key.stringValue)\""
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?, .dataCorrupted(let c)?:
            (c.codingPath.isEmpty ? "" : c.codingPath.map(\.stringValue).joined(separator: ".") + ": ") + c.debugDescription
        default: "\(error)"
        }
    }
}
