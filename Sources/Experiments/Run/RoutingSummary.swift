/// The routing of a run's last evaluation, per layer and averaged over the clients it scored, for
/// `summary.json`: accuracy against the origin labels, and agreement with the exact origin
/// posterior (`posterior_correlation`, `posterior_gap`; see `RoutingStats`) when the data's
/// generating process is known. Read back from `routing.jsonl`, so a resumed run summarises
/// the same lines as an uninterrupted one.
package enum RoutingSummary {
    /// One entry per layer of the evaluation after round `round` (the run's last: its lines only,
    /// also when it scored no one); figures no client reports are null. Empty when that
    /// evaluation logged no routing (no router, or no client scored).
    package static func lastEvaluation(_ routing: [RoutingRecord], round: Int) -> [RunSummary.RoutingLayer] {
        let lines = routing.filter { $0.round == round }
        let layers = Set(lines.map(\.layer)).sorted()
        return layers.map { l in
            let at = lines.filter { $0.layer == l }
            var summary = RunSummary.RoutingLayer(layer: l, accuracy: nil, posteriorCorrelation: nil, posteriorGap: nil)
            for figure in RunSummary.RoutingLayer.agreement {
                let xs = at.compactMap { $0[keyPath: figure.line] }
                summary[keyPath: figure.mean] = xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
            }
            return summary
        }
    }
}
