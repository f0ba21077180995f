import Foundation

extension RunSummary {
    /// `summary.md`: the per-client table (with the Bayes floor when known; "—" for a client the
    /// last evaluation did not score), the mean (saying over how many clients when
    /// `eval_clients` chose some), the routing per layer (mixtures), bytes and simulated time.
    package var markdown: String {
        func num(_ v: Double?, _ f: String = "%.3f") -> String { v.map { String(format: f, $0) } ?? "—" }
        func count(_ v: Int) -> String { num(Double(v), "%.0f") }
        let bayes = bayesMeanPPL != nil
        var out = "# \(name) — \(method), seed \(seed)\n\n| client | name | device | test ppl |"
            + (bayes ? " Bayes ppl |\n|---|---|---|---|---|\n" : "\n|---|---|---|---|\n")
        for c in clients {
            out += "| \(count(c.id)) | \(c.name) | \(c.device) | \(num(c.testPPL)) |" + (bayes ? " \(num(c.bayesPPL)) |\n" : "\n")
        }
        out += "\nMean test perplexity" + (scoredPhrase.map { " " + $0 } ?? "") + ": \(num(meanTestPPL))  \n"
        if bayes {
            out += "Bayes floor (the generating process's own predictions on the same windows): "
                + "\(num(bayesMeanPPL)), test / floor \(num(pplOverBayes?.wrappedValue))  \n"
        }
        if let routing {
            let rows = routing.map { l in
                "| \(count(l.layer)) | " + RoutingLayer.agreement.map { num(l[keyPath: $0.mean]) }.joined(separator: " | ") + " |\n"
            }
            out += "\nRouting at the last evaluation, mean over " + (evalClients == nil ? "clients" : "the clients it scored") + " (posterior: the exact P(origin general | prefix)):\n\n"
                + "| layer | accuracy | posterior correlation | posterior gap |\n|---|---|---|---|\n" + rows.joined() + "\n"
        }
        out += "Bytes up: \(count(bytesUp)), down: \(count(bytesDown))  \n"
        out += "Simulated time: \(num(simTime, "%.1f")) s\n"
        return out
    }
}
