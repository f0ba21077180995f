import Foundation

/// How one MoE layer routed the n = batch·time tokens of the last forward.
public struct LayerRoutes: Sendable {
    public let experts: Int
    /// Each token's top-1 expert: its largest router logit (the router's first choice).
    public let top1: [Int32]
    /// The router softmax probability of each token's top-1 expert.
    public let prob: [Float]
    /// The full router softmax, [n × experts] row-major.
    public let probs: [Float]
    public var tokens: Int { top1.count }

    init(_ r: Router) {
        let n = r.n, e = r.experts
        experts = e
        guard let p = r.probs, r.weight != nil else {
            // No learned router (one expert, or the plain mean): every expert weighs 1/E;
            // ties go to the lower index, as in top-k, so the top-1 is expert 0.
            top1 = Array(repeating: 0, count: n)
            prob = Array(repeating: 1 / Float(e), count: n)
            probs = Array(repeating: 1 / Float(e), count: n * e)
            return
        }
        let ch = r.choice.ptr, k = r.k, pr = p.ptr
        probs = Array(UnsafeBufferPointer(start: pr, count: n * e))
        top1 = (0..<n).map { ch[$0 * k] }
        prob = (0..<n).map { pr[$0 * e + Int(ch[$0 * k])] }
    }
}

/// Routing statistics of one layer over every token a `RoutingTally` saw.
public struct RoutingStats: Sendable, Equatable {
    public var layer: Int
    public var tokens: Int
    /// Share of tokens whose top-1 expert is e.
    public var top1Share: [Double]
    /// Mean router probability of expert e.
    public var meanProb: [Double]
    /// Mean over tokens of the router distribution's entropy (nats).
    public var entropy: Double
    /// Share of general-origin tokens whose top-1 is a generalist (expert < generalists);
    /// nil without labels or without such tokens.
    public var generalToGeneralist: Double?
    /// Share of private-origin tokens whose top-1 is a specialist (expert ≥ generalists).
    public var privateToSpecialist: Double?
    /// Correctly routed labelled tokens (both kinds above) over all labelled tokens.
    public var accuracy: Double?
    /// Against the exact posterior q_t = P(origin general | the window's tokens up to t) of a
    /// generated corpus: the Pearson correlation of the router's generalist probability
    /// r_t = Σ_{e < generalists} p_e with q_t, and mean |r_t − q_t|; nil without a posterior
    /// (correlation also when either side is constant).
    public var posteriorCorrelation: Double?
    public var posteriorGap: Double?
}

/// Accumulates per-layer routing statistics over forward passes (evaluation
/// windows). Sums run in token order, in Double, so results are deterministic. Experts
/// 0..<generalists are the side the origin statistics call generalists (the caller says which).
public final class RoutingTally {
    public let layers: Int, experts: Int, generalists: Int
    // Per layer: tokens, entropy sum and label counts; per layer × expert: top-1 counts, probability sums.
    private var tokens: [Int], entropySum: [Double]
    private var top1Count: [Int], probSum: [Double]
    private var general: [Int], generalHits: [Int], dialect: [Int], dialectHits: [Int]
    // Per layer: Σr, Σq, Σr², Σq², Σrq, Σ|r − q| over tokens with a posterior, and their count.
    private var moments: [[Double]], posteriorTokens: [Int]

    public init(layers: Int, experts: Int, generalists: Int) {
        self.layers = layers
        self.experts = experts
        self.generalists = generalists
        tokens = Array(repeating: 0, count: layers)
        entropySum = Array(repeating: 0, count: layers)
        top1Count = Array(repeating: 0, count: layers * experts)
        probSum = Array(repeating: 0, count: layers * experts)
        general = tokens; generalHits = tokens; dialect = tokens; dialectHits = tokens
        moments = Array(repeating: Array(repeating: 0, count: 6), count: layers)
        posteriorTokens = tokens
    }

    /// Adds the routing of `model`'s last forward. `origins` (0 = general-language
    /// token, 1 = private/dialect token) and `generalPosterior` (P(origin general | the
    /// window up to the token)) align with that forward's input tokens.
    public func add(_ model: GPT, origins: UnsafeBufferPointer<UInt8>?, generalPosterior: UnsafeBufferPointer<Double>? = nil) {
        precondition(model.config.nLayer == layers && model.adapters.experts == experts,
                     "tally for \(layers) layers × \(experts) experts, model has \(model.config.nLayer) × \(model.adapters.experts)")
        let e = experts, g = generalists
        for l in 0..<layers {
            let r = model.routes(layer: l), n = r.tokens
            precondition(origins == nil || origins!.count == n, "\(origins!.count) origin labels for \(n) tokens")
            precondition(generalPosterior == nil || generalPosterior!.count == n, "\(generalPosterior!.count) posteriors for \(n) tokens")
            r.probs.withUnsafeBufferPointer { p in
                r.top1.withUnsafeBufferPointer { top in
                    for t in 0..<n {
                        let row = p.baseAddress! + t * e
                        var h = 0.0
                        for j in 0..<e {
                            let q = Double(row[j])
                            probSum[l * e + j] += q
                            if q > 0 { h -= q * PortableMath.log(q) }
                        }
                        entropySum[l] += h
                        let best = Int(top[t])
                        top1Count[l * e + best] += 1
                        if let o = origins?[t] {
                            if o == 0 { general[l] += 1; if best < g { generalHits[l] += 1 } }
                            else { dialect[l] += 1; if best >= g { dialectHits[l] += 1 } }
                        }
                        if let q = generalPosterior?[t] {
                            var r = 0.0
                            for j in 0..<g { r += Double(row[j]) }
                            moments[l][0] += r; moments[l][1] += q; moments[l][2] += r * r
                            moments[l][3] += q * q; moments[l][4] += r * q; moments[l][5] += abs(r - q)
                            posteriorTokens[l] += 1
                        }
                    }
                }
            }
            tokens[l] += n
        }
    }

    public var stats: [RoutingStats] {
        (0..<layers).map { l in
            let n = Double(tokens[l]), e = experts
            func share(_ hits: Int, _ of: Int) -> Double? { of > 0 ? Double(hits) / Double(of) : nil }
            return RoutingStats(layer: l, tokens: tokens[l],
                                top1Share: (0..<e).map { Double(top1Count[l * e + $0]) / n },
                                meanProb: (0..<e).map { probSum[l * e + $0] / n },
                                entropy: entropySum[l] / n,
                                generalToGeneralist: share(generalHits[l], general[l]),
                                privateToSpecialist: share(dialectHits[l], dialect[l]),
                                accuracy: share(generalHits[l] + dialectHits[l], general[l] + dialect[l]),
                                posteriorCorrelation: correlation(l), posteriorGap: posteriorTokens[l] > 0
                                    ? moments[l][5] / Double(posteriorTokens[l]) : nil)
        }
    }

    private func correlation(_ l: Int) -> Double? {
        let n = Double(posteriorTokens[l]), m = moments[l]
        guard n > 1 else { return nil }
        let vr = m[2] / n - (m[0] / n) * (m[0] / n), vq = m[3] / n - (m[1] / n) * (m[1] / n)
        guard vr > 1e-12, vq > 1e-12 else { return nil }
        return (m[4] / n - (m[0] / n) * (m[1] / n)) / (vr * vq).squareRoot()
    }
}
