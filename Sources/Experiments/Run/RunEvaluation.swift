import Foundation
import Simulator
import Tensor

/// When, whom and what a run scores, and the lines it writes for it (docs/design.md §4).
///
/// When: once before training, and in every `eval_every`-th round and the last — by default
/// after the clients' local steps and before the server aggregates, as the original scores
/// each client in `clients.py` (`eval_when: "before_aggregation"`): every client's model as
/// it holds it then, its own training of the round included. `"after_aggregation"` scores
/// what the server sent back instead (the bare global model, for FedAvg).
///
/// Whom (`eval_clients`, `scored`): every client at every evaluation (`all`, the default); a
/// fixed panel of N clients drawn once per run from the run seed (`RNG(seed:stream:
/// "eval-clients")`, a partial Fisher–Yates draw, sorted), scored at every evaluation so curves
/// compare the same clients; or, after round r ≥ 1, the clients that trained in round r
/// (`participants`: the selected clients whose local training ran, whether or not their update
/// arrived; under the async policy, those whose training ended in that version) — round 0,
/// before training, then scores no one. A client not scored has no line in metrics.jsonl or
/// routing.jsonl at that evaluation.
///
/// What: each client's model on its test split, at the training context — every full
/// non-overlapping window of the whole split (`eval_windows: 0`), or that many random windows
/// over the whole split, drawn once per (run seed, client) so every evaluation of a run, and
/// every method at the same seed, scores the same windows (the original draws 100 × 64 fresh
/// random windows each time). Mixtures also tally their routing. A centralized model is scored
/// on the scored clients' splits (`participants`: every client's, in a round it trained). When
/// the data's generating process is known (the built-in corpus, `SyntheticCorpus`), the same
/// windows also get its exact Bayes floor and origin posterior.
package struct RunEvaluation {
    package let every: Int
    package let rounds: Int
    /// Whether scoring comes before the server aggregates (the original's order).
    package let beforeAggregation: Bool
    /// The method's last aggregation makes the clients' final models (FDLoRA's fusion).
    package let finalStepOnServer: Bool
    package let context: Int
    /// Window starts per client (nil: every full non-overlapping window).
    package let starts: [[Int]?]
    /// Experts 0..<generalists are the "generalist" side of routing.jsonl's origin statistics
    /// (`generalists`, `general_to_generalist`, …): the method's generalists (`ExpertRoles`),
    /// else expert 0 alone — pFedMoE's shared expert, and for FedAvg-MoE and Local-MoE an
    /// expert like the others, so there those fields measure expert 0 against the rest.
    package let generalists: Int
    /// Whether one pooled model (federated client 0) is scored on the scored clients' splits.
    package let pooled: Bool
    /// Whom each evaluation scores.
    package let clients: EvalClients
    /// The clients `eval_clients: N` scores at every evaluation (nil for the other choices).
    package let panel: [Int]?
    /// What the data's generating process allows on each client's scored windows (nil: unknown
    /// process; a client outside the panel has none).
    package let floors: [Floor?]?

    package init(_ s: ScenarioConfig, seed: UInt64, context: Int, data: [ClientData]?, federation: Federation?,
         world: SyntheticCorpus? = nil) {
        every = s.schedule.evalEvery
        rounds = s.schedule.rounds
        beforeAggregation = s.schedule.evalWhen == .beforeAggregation
        finalStepOnServer = federation?.strategy.aggregator.finishesClientsInLastRound ?? false
        self.context = context
        let windows = s.schedule.evalWindows
        starts = (data ?? []).enumerated().map { i, c in
            guard windows > 0 else { return nil }
            var rng = RNG(seed: seed, client: i, stream: "eval-windows")
            let count = c.count(.test)
            return (0..<windows).map { _ in rng.int(below: count - context) }
        }
        generalists = federation?.strategy.expertRoles?.generalists ?? 1
        clients = s.schedule.evalClients
        let panel = clients.panel(clients: starts.count, seed: seed), chosen = panel.map(Set.init), starts = starts
        floors = world.flatMap { w in
            data.map { d in d.indices.map { i in
                chosen?.contains(i) == false ? nil : Floor(w, client: i, data: d[i], starts: starts[i], context: context)
            } }
        }
        self.panel = panel
        pooled = s.pooled
    }

    /// The clients (ascending) an evaluation after round `round` scores: every one, the panel, or
    /// those that trained in the round (`trained`: federated client ids; a pooled model's one
    /// client stands for every client), none at round 0.
    package func scored(round: Int, trained: [Int]) -> [Int] {
        switch clients {
        case .all: Array(starts.indices)
        case .sample: panel!
        case .participants where round == 0 || trained.isEmpty: []
        case .participants: pooled ? Array(starts.indices) : trained
        }
    }

    /// Per client, its score's result in `scores` (which are `clients`'), nil for a client not scored.
    package func results(_ scores: [Score], of clients: [Int]) -> [Evaluation.Result?] {
        var out = [Evaluation.Result?](repeating: nil, count: starts.count)
        for (i, s) in zip(clients, scores) { out[i] = s.result }
        return out
    }

    package enum Moment: String, Codable {
        case beforeAggregation = "before_aggregation", afterAggregation = "after_aggregation"
    }

    /// When round `done` (1-based) is scored, or nil when it is not: every `every`-th round and
    /// the last, before or after its aggregation as `eval_when` says — except that a method
    /// whose last aggregation finishes the clients' models is scored after it.
    /// Round 0 is the evaluation before training.
    package func moment(ofRound done: Int) -> Moment? {
        guard done % every == 0 || done == rounds else { return nil }
        return beforeAggregation && !(done == rounds && done > 0 && finalStepOnServer) ? .beforeAggregation : .afterAggregation
    }

    /// The exact optimum of a known generating process on one client's scored windows, and its
    /// origin posterior there (the windows are fixed per run, so the filter runs once per window).
    package struct Floor {
        /// exp of the mean −log P_Bayes(target | the window's tokens before it).
        package var bayesPPL: Double
        /// P(origin general | the window up to the token) for the `context` inputs of the window
        /// starting at each key.
        package var generalPosterior: [Int: [Double]]
        /// Origin accuracy of the best guess from the current token id alone (the majority origin of
        /// that id in the client's train split), and of the posterior's own guess (q > 1/2).
        package var tokenIDOracle: Double?
        package var posteriorOracle: Double?

        package init(_ world: SyntheticCorpus, client i: Int, data: ClientData, starts: [Int]?, context: Int) {
            let test = data.tokens[.test] ?? [], windows = starts ?? Evaluation.fullWindows(test.count, context: context)
            let filter = world.filter(client: i)
            let scan = filter.scan(test, starts: windows, context: context)
            bayesPPL = PortableMath.exp(scan.meanLoss)
            generalPosterior = scan.generalPosterior
            guard let labels = data.origins[.test], let train = data.tokens[.train], let trainLabels = data.origins[.train] else { return }
            var dialectCount = [Int](repeating: 0, count: SyntheticCorpus.vocab), seen = dialectCount
            for (x, o) in zip(train, trainLabels) { seen[Int(x)] += 1; dialectCount[Int(x)] += Int(o) }
            var idHits = 0, posteriorHits = 0, n = 0
            for s in windows {
                let q = generalPosterior[s]!
                for j in 0..<context {
                    let x = Int(test[s + j]), o = labels[s + j]
                    let guess: UInt8 = 2 * dialectCount[x] > seen[x] ? 1 : 0
                    idHits += guess == o ? 1 : 0
                    posteriorHits += (q[j] < 0.5 ? 1 : 0) == o ? 1 : 0
                    n += 1
                }
            }
            tokenIDOracle = n > 0 ? Double(idHits) / Double(n) : nil
            posteriorOracle = n > 0 ? Double(posteriorHits) / Double(n) : nil
        }
    }

    /// One client's score: loss and perplexity, and per-layer routing for mixtures.
    package struct Score {
        package var result: Evaluation.Result
        package var routing: [RoutingStats]
    }

    /// Scores `clients` (in that order) concurrently on the federation's pool. A non-finite loss
    /// throws (exit 3) so that no output line ever holds it.
    package func score(_ fed: Federation, _ data: [ClientData], clients: [Int], round: Int, keptIn folder: RunFolder?) throws -> [Score] {
        let pooled = self.pooled
        let scores = fed.models.map(clients, model: { pooled ? 0 : $0 }) { m, i in score(m, client: i, data: data[i]) }
        if let k = scores.firstIndex(where: { !$0.result.loss.isFinite }) {
            throw TrainingDiverged(description: "client \(clients[k]): test loss is \(scores[k].result.loss) after round \(round)"
                                  + (folder.map { "; the outputs so far are kept in \($0.path)" } ?? ""))
        }
        return scores
    }

    /// Model `m` on client i's scored windows of its test split (`data`: the client's splits).
    package func score(_ m: GPT, client i: Int, data: ClientData) -> Score {
        let data = data.loaded  // tokens and origins from one load
        let test = data.tokens[.test] ?? [], labels = data.origins[.test]
        let tally = m.adapters.hasRouter ? RoutingTally(layers: m.config.nLayer, experts: m.adapters.experts, generalists: generalists) : nil
        let posterior = floors.map { f in { (s: Int) in f[i]!.generalPosterior[s]! } }
        let result = test.withUnsafeBufferPointer { x in
            (labels ?? []).withUnsafeBufferPointer { o in
                Evaluation.evaluate(m, tokens: x, starts: starts[i] ?? Evaluation.fullWindows(test.count, context: context),
                                    context: context, routing: tally, origins: labels == nil ? nil : o, posterior: posterior)
            }
        }
        return Score(result: result, routing: tally?.stats ?? [])
    }

    /// The `metrics.jsonl` record and the `routing.jsonl` records of client `client`'s score in
    /// round `round`, after `step` local steps, at `time`.
    package func records(_ score: Score, round: Int, step: Int, time: SimTime, client: Int, trainLoss: Double?,
                 moment: Moment) -> (metrics: MetricsRecord, routing: [RoutingRecord]) {
        let simTime = Double(time) / 1e6
        let metrics = MetricsRecord(round: round, step: step, simTime: simTime, client: client, trainLoss: trainLoss,
                                    testLoss: score.result.loss, testPPL: score.result.ppl, scored: moment)
        let routing = score.routing.map { l in
            RoutingRecord(l, round: round, step: step, simTime: simTime, client: client, generalists: generalists, floor: floors?[client] ?? nil)
        }
        return (metrics, routing)
    }
}
