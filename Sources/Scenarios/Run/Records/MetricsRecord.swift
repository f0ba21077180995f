import Tensor

/// One line of `metrics.jsonl`: one client's score at one evaluation. `metrics.csv` has these
/// members as its columns, in this order (`CodingKeys.allCases`).
struct MetricsRecord: Codable, Equatable {
    var round: Int
    /// Local steps the client (the pooled model, when centralized) had trained.
    var step: Int
    /// Simulated seconds at the evaluation.
    var simTime: Double
    var client: Int
    /// The last local training loss; null before any.
    @Nullable var trainLoss: Double?
    var testLoss: Double
    var testPPL: Double
    /// Before or after the server aggregated.
    var scored: RunEvaluation.Moment

    enum CodingKeys: String, CodingKey, CaseIterable {
        case round, step, simTime = "sim_time_s", client, trainLoss = "train_loss", testLoss = "test_loss", testPPL = "test_ppl", scored
    }

    /// The figures TensorBoard plots per client, tagged by their member names.
    var scalars: [(CodingKeys, Double?)] { [(.testPPL, testPPL), (.testLoss, testLoss), (.trainLoss, trainLoss)] }
}
