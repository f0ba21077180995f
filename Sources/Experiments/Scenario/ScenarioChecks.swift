import Simulator
import Tensor

/// Combinations of keys that no single key's type can rule out; each error names the key to change.
extension ScenarioConfig {
    package func check() throws {
        let name = method.name, d = method.descriptor
        if training.batch % training.microBatch != 0 {
            throw ScenarioError(key: "micro_batch", reason: "\(training.microBatch) does not divide batch \(training.batch)")
        }
        if method.ranks.isList, !d.perClientRanks, Set(method.ranks.given).count > 1 {
            throw ScenarioError(key: "method.rank", reason: "per-client ranks are for "
                                + MethodRegistry.all.filter(\.perClientRanks).map(\.name).joined(separator: " and ") + ", not \(name)")
        }
        try checkExperts()
        if case .folder(let path) = data, path.isEmpty {
            throw ScenarioError(key: "data.path", reason: "required when data.source is \"folder\"")
        }
        try checkPolicy()
        if case .sample(let n) = schedule.evalClients, n > clientCount {
            throw ScenarioError(key: "eval_clients", reason: "\(n) exceeds the \(clientCount) clients")
        }
        for (i, c) in listedClients.enumerated() {
            guard let w = c.window else { continue }
            let key = "clients[\(i)].window.on_s"
            if w.onS > w.periodS { throw ScenarioError(key: key, reason: "\(w.onS) s on exceeds the period \(w.periodS) s") }
            if w.onS == 0 { throw ScenarioError(key: key, reason: "0: the client would never be available") }
        }
    }

    /// The clients of a `clients` list (none for a population).
    package var listedClients: [ClientSpec] { if case .listed(let c) = clients { c } else { [] } }

    /// `method.experts`, per-client specialists and `top_k` against what the method's clients have.
    package func checkExperts() throws {
        let n = clientCount, name = method.name, d = method.descriptor
        if let e = method.experts, !d.expertsAreFree, let i = (0..<n).first(where: { experts(client: $0) != e }) {
            throw ScenarioError(key: "method.experts", reason: "\(e), but \(name) gives client \(i) \(experts(client: i)) expert(s)"
                                + (d.hasSpecialists ? " (set method.generalists and method.specialists)"
                                   : "; method.experts sets them for " + MethodRegistry.all.filter(\.expertsAreFree).map(\.name).joined(separator: ", ")))
        }
        if method.specialists.isList, !d.hasSpecialists {
            throw ScenarioError(key: "method.specialists", reason: "per-client specialists are for "
                                + MethodRegistry.all.filter(\.hasSpecialists).map(\.name).joined(separator: ", ") + ", not \(name)")
        }
        if d.hasSpecialists {
            for (i, s) in method.specialists.values(n).enumerated() where method.generalists + s == 0 {
                throw ScenarioError(key: "method.specialists", reason: "client \(i) would have no expert (0 generalists + 0 specialists)")
            }
        }
        if let k = method.topK {
            // The method's own adapters say whether it routes (top-k over two or more experts).
            if let why = strategy.adapters(client: 0).withoutRouter {
                throw ScenarioError(key: "method.top_k", reason: "\(name) has no router (\(why))")
            }
            for i in 0..<n where k > experts(client: i) {
                throw ScenarioError(key: "method.top_k", reason: "\(k) exceeds the \(experts(client: i)) expert(s) of client \(i) under \(name)")
            }
        }
    }

    /// Clients per round, over-selection and FedBuff's needs against the clients.
    package func checkPolicy() throws {
        let n = clientCount, k = policy.clientsPerRound
        if k > n { throw ScenarioError(key: "policy.clients_per_round", reason: "\(k) exceeds the \(n) clients") }
        switch policy.round {
        case .overselect(let extra) where (k == 0 ? n : k) + extra > n:
            throw ScenarioError(key: "policy.extra", reason: "selecting \(k == 0 ? n : k) + \(extra) needs more than the \(n) clients")
        case .async: try checkAsync()
        default: break
        }
    }

    /// FedBuff needs a server that averages updates, and an update that can arrive: otherwise
    /// the run could never make a new version and would run forever.
    package func checkAsync() throws {
        if !strategy.aggregator.averagesUpdates {
            throw ScenarioError(key: "policy.name", reason: "\"async\" (FedBuff) moves a global by averaged deltas; \(method.name)'s server does not "
                                + "average (use it with sync, deadline or overselect)")
        }
        let dropout = heterogeneity.dropout
        for (key, p) in [("heterogeneity.dropout.failure", dropout.failure), ("heterogeneity.dropout.unavailable", dropout.unavailable)] where p >= 1 {
            throw ScenarioError(key: key, reason: "\(p) under policy async: no update could ever arrive")
        }
        // A population's devices are drawn when the run starts; no device class is never available.
        if case .listed(let c) = clients, c.allSatisfy({ $0.device.availability == 0 }) {
            throw ScenarioError(key: "clients[].availability", reason: "0 for every client under policy async: no update could ever arrive")
        }
    }
}
