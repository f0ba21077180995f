import Tensor

/// Whom a run scores at each evaluation (`eval_clients`; `RunEvaluation.scored`): every client
/// (`all`), the clients that trained in the round (`participants`: none at round 0), or a fixed
/// panel of n clients drawn once per run (`sample(n)`). `summary.json` records it as `"all"`,
/// `"participants"` or n (and leaves it out for `all`).
package enum EvalClients: Equatable, Codable, Sendable {
    case all, participants, sample(Int)

    /// The key's string values, in the order the scenario reference lists them.
    package static let names = ["all", "participants"]

    /// The scenario value (a resolved tree's: a string of `names` or an integer); nil when unset
    /// means `all`, anything else is nil (the table's check rules it out first).
    package init?(_ value: JSON?) {
        switch value {
        case nil, .string("all")?: self = .all
        case .string("participants")?: self = .participants
        case .number(let n, true)?: self = .sample(Int(n))
        default: return nil
        }
    }

    /// As the scenario and `summary.json` write it.
    package var json: JSON {
        switch self {
        case .all: .string("all")
        case .participants: .string("participants")
        case .sample(let n): .int(n)
        }
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let value: JSON = if let n = try? c.decode(Int.self) { .int(n) } else { .string(try c.decode(String.self)) }
        guard let v = EvalClients(value) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected \"all\", \"participants\" or a client count")
        }
        self = v
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .sample(let n): try c.encode(n)
        default: try c.encode(json.stringValue!)
        }
    }

    /// The panel of `sample(n)`: n of the clients 0..<count by a partial Fisher–Yates draw from
    /// the run seed's "eval-clients" stream, ascending (nil for the other choices). Requires n ≤ count.
    package func panel(clients count: Int, seed: UInt64) -> [Int]? {
        guard case .sample(let n) = self else { return nil }
        var pool = Array(0..<count), rng = RNG(seed: seed, stream: "eval-clients")
        for j in 0..<n { pool.swapAt(j, j + rng.int(below: count - j)) }
        return pool[..<n].sorted()
    }
}
