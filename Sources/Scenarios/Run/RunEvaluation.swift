import Foundation
import Simulator
import Tensor

/// When and what a run scores, and the lines it writes for it: after every `eval_every`-th
/// aggregation and after the last (plus once before training), each client's model on its
/// test split — the first `eval_tokens` tokens, or all of them — over every full
/// non-overlapping window of the training context (`Evaluation.evaluate`), with routing
/// statistics for mixtures. A centralized model is scored on every client's split.
struct RunEvaluation {
    let every: Int
    let rounds: Int
    /// Tokens of the test split scored (0: all).
    let cap: Int
    let context: Int
    /// Experts 0..<generalists are reported as generalists (expert 0 alone without specialists).
    let generalists: Int
    /// One replica per client when a single pooled model is scored on each client's split.
    let scorers: [GPT]?

    init(_ s: Scenario, context: Int, federation: Federation?, pooled: Bool) {
        every = s.int("eval_every")
        rounds = s.int("rounds")
        cap = s.int("eval_tokens")
        self.context = context
        generalists = s.method == "comigs" ? s.int("method.generalists") : 1
        scorers = federation.map { f in pooled ? [f.model(0)] + (1..<s.clientCount).map { _ in f.model(0).replica() } : nil } ?? nil
    }

    /// Whether the aggregation that completed round `done` (1-based) is followed by an evaluation.
    func isDue(afterRound done: Int) -> Bool { done % every == 0 || done == rounds }

    /// One client's score: loss and perplexity, and per-layer routing for mixtures.
    struct Score {
        var result: Evaluation.Result
        var routing: [RoutingStats]
    }

    /// Scores every client concurrently on the federation's pool. A non-finite loss throws
    /// (exit 3) so that no output line ever holds it.
    func score(_ fed: Federation, _ data: [ClientData], round: Int, keptIn folder: RunFolder) throws -> [Score] {
        let scores = fed.pool.map(Array(data.indices)) { i in
            let m = scorers?[i] ?? fed.model(i), test = data[i].tokens[.test] ?? [], labels = data[i].origins[.test]
            let used = cap > 0 ? Array(test.prefix(cap)) : test
            let tally = m.adapters.experts > 1 ? RoutingTally(layers: m.config.nLayer, experts: m.adapters.experts, generalists: generalists) : nil
            let result = used.withUnsafeBufferPointer { x in
                (labels.map { Array($0.prefix(used.count)) } ?? []).withUnsafeBufferPointer { o in
                    Evaluation.evaluate(m, tokens: x, context: context, routing: tally, origins: labels == nil ? nil : o)
                }
            }
            return Score(result: result, routing: tally?.stats ?? [])
        }
        if let i = scores.firstIndex(where: { !$0.result.loss.isFinite }) {
            throw TrainingDiverged(description: "client \(i): test loss is \(scores[i].result.loss) after round \(round); the outputs so far are kept in \(folder.path)")
        }
        return scores
    }

    /// The `metrics.jsonl` line and the `routing.jsonl` lines of one client's score.
    /// `head` holds round, step, simulated time and client.
    func lines(_ score: Score, head: [(String, JSON)], trainLoss: Double?) -> (metrics: String, routing: [String]) {
        let metrics = jsonLine(head + [("train_loss", .optional(trainLoss)), ("test_loss", .double(score.result.loss)),
                                       ("test_ppl", .double(score.result.ppl))])
        let routing = score.routing.map { l in
            jsonLine(head + [("layer", .int(l.layer)), ("generalists", .int(generalists)),
                             ("top1_share", .array(l.top1Share.map { .double($0) })),
                             ("mean_prob", .array(l.meanProb.map { .double($0) })), ("entropy", .double(l.entropy)),
                             ("general_to_generalist", .optional(l.generalToGeneralist)),
                             ("private_to_specialist", .optional(l.privateToSpecialist)),
                             ("accuracy", .optional(l.accuracy))])
        }
        return (metrics, routing)
    }
}
