import Tensor

/// One line of `metrics.jsonl`: one client's score at one evaluation. `metrics.csv` has these
/// members as its columns, in this order (`CodingKeys.allCases`).
package struct MetricsRecord: Codable, Equatable {
    package var round: Int
    /// Local steps the client (the pooled model, when centralized) had trained.
    package var step: Int
    /// Simulated seconds at the evaluation.
    package var simTime: Double
    package var client: Int
    /// The last local training loss; null before any.
    @Nullable package var trainLoss: Double?
    package var testLoss: Double
    package var testPPL: Double
    /// Before or after the server aggregated.
    package var scored: RunEvaluation.Moment

    package enum CodingKeys: String, CodingKey, CaseIterable {
        case round, step, simTime = "sim_time_s", client, trainLoss = "train_loss", testLoss = "test_loss", testPPL = "test_ppl", scored
    }

    /// The figures TensorBoard plots per client, tagged by their member names.
    package var scalars: [(CodingKeys, Double?)] { [(.testPPL, testPPL), (.testLoss, testLoss), (.trainLoss, trainLoss)] }
}
