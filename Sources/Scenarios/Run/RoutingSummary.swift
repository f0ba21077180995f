import Tensor

/// The routing of a run's last evaluation, per layer and averaged over clients, for
/// `summary.json`: accuracy against the origin labels, and agreement with the exact origin
/// posterior (`posterior_correlation`, `posterior_gap`; see `RoutingStats`) when the data's
/// generating process is known. Read back from `routing.jsonl`, so a resumed run summarises
/// the same lines as an uninterrupted one.
enum RoutingSummary {
    static let keys = ["accuracy", "posterior_correlation", "posterior_gap"]

    /// One object per layer, `{"layer": l, "accuracy": …, …}`; keys a run does not report are
    /// null. Empty when the run logged no routing (no router).
    static func lastEvaluation(_ routing: [JSON]) -> [JSON] {
        guard let last = routing.last, let round = last["round"], let time = last["sim_time_s"] else { return [] }
        let lines = routing.filter { $0["round"] == round && $0["sim_time_s"] == time }
        let layers = Set(lines.compactMap { $0["layer"]?.doubleValue.map(Int.init) }).sorted()
        return layers.map { l in
            let at = lines.filter { $0["layer"]?.doubleValue == Double(l) }
            return .object([("layer", .int(l))] + keys.map { key in
                let xs = at.compactMap { $0[key]?.doubleValue }
                return (key, xs.isEmpty ? .null : .double(xs.reduce(0, +) / Double(xs.count)))
            })
        }
    }
}
