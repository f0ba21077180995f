/// The routing of a run's last evaluation, per layer and averaged over clients, for
/// `summary.json`: accuracy against the origin labels, and agreement with the exact origin
/// posterior (`posterior_correlation`, `posterior_gap`; see `RoutingStats`) when the data's
/// generating process is known. Read back from `routing.jsonl`, so a resumed run summarises
/// the same lines as an uninterrupted one.
package enum RoutingSummary {
    /// One entry per layer; figures no client reports are null. Empty when the run logged no
    /// routing (no router).
    package static func lastEvaluation(_ routing: [RoutingRecord]) -> [RunSummary.RoutingLayer] {
        guard let last = routing.last else { return [] }
        let lines = routing.filter { $0.round == last.round && $0.simTime == last.simTime }
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
