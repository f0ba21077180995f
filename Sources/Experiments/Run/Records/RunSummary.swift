import Simulator
import Tensor

/// `summary.json`: a finished run (written last, so its presence means the run is complete) —
/// each client's and the mean test perplexity as the last evaluation scored them (a client it
/// did not score, `eval_clients`, has a null perplexity; the means are over those it did), the
/// data's Bayes floor when its generating process is known, the base's fit, the routing per layer,
/// bytes moved and simulated time. `summary.md` is its table (`markdown`); `comigs report`,
/// `plot` and `report --html` read it back. Members a run cannot know are null (perplexities of
/// a cost-only run, a target never reached); those only some runs have are left out (the floor
/// without a known process, specialists but for CoMiGS, the routing without a router).
package struct RunSummary: Codable, Equatable {
    package var name: String
    /// The scenario's `label`, else its method: the run's row in `comigs report`.
    package var label: String
    package var method: String
    package var seed: Int
    /// Whether the evaluations scored the clients' models before or after the server aggregated.
    package var scored: RunEvaluation.Moment
    /// Whom the evaluations scored (`eval_clients`); left out when every client.
    package var evalClients: EvalClients? = nil
    package var rounds: Int
    package var clients: [Client]
    @Nullable package var meanTestPPL: Double?
    /// The mean, over the clients the last evaluation scored, of the generating process's
    /// perplexity on their scored windows.
    package var bayesMeanPPL: Double?
    /// The mean test perplexity over that floor; there (null without a perplexity) exactly when the floor is.
    package var pplOverBayes: Nullable<Double>?
    /// Clients whose base scored worse than a unigram model of their own training split (`BaseFit`).
    package var baseMisfits: [Int]?
    package var routing: [RoutingLayer]?
    package var bytesUp: Int
    package var bytesDown: Int
    package var simTime: Double
    /// Simulated seconds until the mean test perplexity first reached `target_ppl`.
    @Nullable package var timeToTarget: Double?
    /// Simulated events (`events.jsonl` lines).
    package var events: Int

    package struct Client: Codable, Equatable {
        package var id: Int
        package var name: String
        package var device: String
        /// The specialists CoMiGS fitted to the client's memory.
        package var specialists: Int?
        @Nullable package var testPPL: Double?
        @Nullable package var testLoss: Double?
        package var bayesPPL: Double?
        /// Round-0 perplexity of the base, and of a unigram model of the client's train split.
        package var basePPL: Double?
        package var unigramPPL: Double?

        package enum CodingKeys: String, CodingKey {
            case id, name, device, specialists, testPPL = "test_ppl", testLoss = "test_loss", bayesPPL = "bayes_ppl", basePPL = "base_ppl",
                 unigramPPL = "unigram_ppl"
        }
    }

    /// The routing of the last evaluation at one layer, mean over clients (`RoutingSummary`).
    package struct RoutingLayer: Codable, Equatable {
        package var layer: Int
        @Nullable package var accuracy: Double?
        @Nullable package var posteriorCorrelation: Double?
        @Nullable package var posteriorGap: Double?

        package enum CodingKeys: String, CodingKey { case layer, accuracy, posteriorCorrelation = "posterior_correlation", posteriorGap = "posterior_gap" }

        /// The router's agreement with the data's origin, named as its member: each layer's and
        /// client's in `routing.jsonl`, averaged here; TensorBoard plots them per client.
        package static var agreement: [(key: CodingKeys, line: KeyPath<RoutingRecord, Double?>, mean: WritableKeyPath<RoutingLayer, Double?>)] {
            [(.accuracy, \.accuracy, \.accuracy), (.posteriorCorrelation, \.posteriorCorrelation, \.posteriorCorrelation),
             (.posteriorGap, \.posteriorGap, \.posteriorGap)]
        }
    }

    package enum CodingKeys: String, CodingKey {
        case name, label, method, seed, scored, evalClients = "eval_clients", rounds, clients, meanTestPPL = "mean_test_ppl",
             bayesMeanPPL = "bayes_mean_ppl", pplOverBayes = "ppl_over_bayes", baseMisfits = "base_misfits", routing, bytesUp = "bytes_up", bytesDown = "bytes_down",
             simTime = "sim_time_s", timeToTarget = "time_to_target_s", events
    }
}

extension RunSummary {
    /// The clients the last evaluation scored: those the means are over.
    package var scoredClients: Int { clients.filter { $0.testPPL != nil }.count }

    /// "over the k clients the last evaluation scored (eval_clients N)" when it scored only some
    /// by choice; nil under `all`.
    package var scoredPhrase: String? {
        evalClients.map { "over the \(scoredClients) of \(clients.count) clients the last evaluation scored (eval_clients \($0.json.text()))" }
    }

    /// The summary of a run of `s` at `seed`: `results` per client from the last evaluation
    /// (none in cost-only mode; nil for a client it did not score), `floors` of a known
    /// generating process, `routing` per layer.
    package init(_ s: ScenarioConfig, seed: UInt64, setup: ClientSetup, results: [Evaluation.Result?], fit: BaseFit?, floors: [RunEvaluation.Floor?]?,
         routing: [RoutingLayer], scored: RunEvaluation.Moment, bytes: (up: Int, down: Int), simTime: SimTime, reached: SimTime?, events: Int) {
        let clients = (0..<s.clientCount).map { i in
            Client(id: i, name: setup.names[i], device: setup.devices[i].name, specialists: s.method.descriptor.hasSpecialists ? setup.specialists[i] : nil,
                   testPPL: results.isEmpty ? nil : results[i]?.ppl, testLoss: results.isEmpty ? nil : results[i]?.loss,
                   bayesPPL: floors?[i]?.bayesPPL, basePPL: fit?.basePPL[i], unigramPPL: fit?.unigramPPL[i])
        }
        let last = results.indices.filter { results[$0] != nil }, mean = last.map { results[$0]!.ppl }.mean
        // The generating process's floor on the same clients' windows, and how far above it the run ends.
        let bayes = floors.flatMap { f in last.compactMap { f[$0]?.bayesPPL }.mean }
        self.init(name: s.name, label: s.rowLabel, method: s.method.name, seed: Int(seed), scored: scored,
                  evalClients: s.schedule.evalClients == .all ? nil : s.schedule.evalClients, rounds: s.schedule.rounds,
                  clients: clients, meanTestPPL: mean, bayesMeanPPL: bayes, pplOverBayes: bayes.map { b in Nullable(wrappedValue: mean.map { $0 / b }) },
                  baseMisfits: fit?.misfits, routing: routing.isEmpty ? nil : routing, bytesUp: bytes.up, bytesDown: bytes.down,
                  simTime: Double(simTime) / 1e6, timeToTarget: reached.map { Double($0) / 1e6 }, events: events)
    }
}
