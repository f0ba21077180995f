import Tensor

/// One line of `routing.jsonl`: one client's router at one layer and evaluation (`RoutingStats`,
/// and the data's origin oracles when its generating process is known). Nullable members are
/// null where the run cannot know them (no origin labels, no posterior).
package struct RoutingRecord: Codable, Equatable {
    package var round: Int
    package var step: Int
    package var simTime: Double
    package var client: Int
    package var layer: Int
    /// Experts 0..<generalists are the "generalist" side of the origin statistics (`RunEvaluation.generalists`).
    package var generalists: Int
    /// Per expert: the share of tokens whose top-1 it is, and its mean router probability.
    package var top1Share: [Double]
    package var meanProb: [Double]
    /// Mean entropy of the router distribution (nats).
    package var entropy: Double
    @Nullable package var generalToGeneralist: Double?
    @Nullable package var privateToSpecialist: Double?
    @Nullable package var accuracy: Double?
    @Nullable package var posteriorCorrelation: Double?
    @Nullable package var posteriorGap: Double?
    @Nullable package var tokenIDOracle: Double?
    @Nullable package var posteriorOracle: Double?

    package enum CodingKeys: String, CodingKey {
        case round, step, simTime = "sim_time_s", client, layer, generalists, top1Share = "top1_share", meanProb = "mean_prob", entropy,
             generalToGeneralist = "general_to_generalist", privateToSpecialist = "private_to_specialist", accuracy,
             posteriorCorrelation = "posterior_correlation", posteriorGap = "posterior_gap", tokenIDOracle = "token_id_oracle",
             posteriorOracle = "posterior_oracle"
    }
}

extension RoutingRecord {
    /// Client `client`'s routing at one layer, stamped like its `MetricsRecord`; `floor`: the
    /// known generating process's oracles on the client's windows.
    package init(_ l: RoutingStats, round: Int, step: Int, simTime: Double, client: Int, generalists: Int, floor: RunEvaluation.Floor?) {
        self.init(round: round, step: step, simTime: simTime, client: client, layer: l.layer, generalists: generalists,
                  top1Share: l.top1Share, meanProb: l.meanProb, entropy: l.entropy, generalToGeneralist: l.generalToGeneralist,
                  privateToSpecialist: l.privateToSpecialist, accuracy: l.accuracy, posteriorCorrelation: l.posteriorCorrelation,
                  posteriorGap: l.posteriorGap, tokenIDOracle: floor?.tokenIDOracle, posteriorOracle: floor?.posteriorOracle)
    }
}
