import Tensor

/// One line of `routing.jsonl`: one client's router at one layer and evaluation (`RoutingStats`,
/// and the data's origin oracles when its generating process is known). Nullable members are
/// null where the run cannot know them (no origin labels, no posterior).
struct RoutingRecord: Codable, Equatable {
    var round: Int
    var step: Int
    var simTime: Double
    var client: Int
    var layer: Int
    /// Experts 0..<generalists are the "generalist" side of the origin statistics (`RunEvaluation.generalists`).
    var generalists: Int
    /// Per expert: the share of tokens whose top-1 it is, and its mean router probability.
    var top1Share: [Double]
    var meanProb: [Double]
    /// Mean entropy of the router distribution (nats).
    var entropy: Double
    @Nullable var generalToGeneralist: Double?
    @Nullable var privateToSpecialist: Double?
    @Nullable var accuracy: Double?
    @Nullable var posteriorCorrelation: Double?
    @Nullable var posteriorGap: Double?
    @Nullable var tokenIDOracle: Double?
    @Nullable var posteriorOracle: Double?

    enum CodingKeys: String, CodingKey {
        case round, step, simTime = "sim_time_s", client, layer, generalists, top1Share = "top1_share", meanProb = "mean_prob", entropy,
             generalToGeneralist = "general_to_generalist", privateToSpecialist = "private_to_specialist", accuracy,
             posteriorCorrelation = "posterior_correlation", posteriorGap = "posterior_gap", tokenIDOracle = "token_id_oracle",
             posteriorOracle = "posterior_oracle"
    }
}

extension RoutingRecord {
    /// Client `client`'s routing at one layer, stamped like its `MetricsRecord`; `floor`: the
    /// known generating process's oracles on the client's windows.
    init(_ l: RoutingStats, round: Int, step: Int, simTime: Double, client: Int, generalists: Int, floor: RunEvaluation.Floor?) {
        self.init(round: round, step: step, simTime: simTime, client: client, layer: l.layer, generalists: generalists,
                  top1Share: l.top1Share, meanProb: l.meanProb, entropy: l.entropy, generalToGeneralist: l.generalToGeneralist,
                  privateToSpecialist: l.privateToSpecialist, accuracy: l.accuracy, posteriorCorrelation: l.posteriorCorrelation,
                  posteriorGap: l.posteriorGap, tokenIDOracle: floor?.tokenIDOracle, posteriorOracle: floor?.posteriorOracle)
    }
}
