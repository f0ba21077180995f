import Simulator
import Tensor

extension RoundTraffic {
    /// `rounds.jsonl`'s `bytes_per_client`: `{"client", "up", "down"}` per client that moved bytes, by client id.
    var json: JSON {
        .array(perClient.map { c in .object([("client", .int(c.client)), ("up", .int(c.up)), ("down", .int(c.down))]) })
    }
}
