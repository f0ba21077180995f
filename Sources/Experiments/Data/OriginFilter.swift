import Tensor

/// The forward algorithm of a two-state hidden-origin process (`SyntheticCorpus`):
/// origin o_t ∈ {0 general, 1 dialect} switches 0 → 1 with probability `up` and
/// 1 → 0 with `down` per token, and x_t follows `transition(x_t, x_{t−1}, o_t)`.
///
/// Over a window w_0 … w_n it gives, exactly, what a model scored on that window
/// could at best know: for each j < n the Bayes-optimal predictive
/// P(w_{j+1} | w_0 … w_j), and the posterior P(o_j = dialect | w_0 … w_j) of the
/// token the model reads at position j. The window's first token carries no
/// origin evidence (every chain keeps the uniform token law), so the filter
/// starts from the stationary P(o_0 = dialect) = `prior`:
///
///     β_{j+1}(1) = α_j·(1 − down) + (1 − α_j)·up          (origin of w_{j+1}, before seeing it)
///     p(w_{j+1}) = (1 − β)·T(w_{j+1} | w_j, 0) + β·T(w_{j+1} | w_j, 1)
///     α_{j+1}    = β·T(w_{j+1} | w_j, 1) / p(w_{j+1})
package struct OriginFilter {
    package let prior: Double
    package let up: Double, down: Double
    package let transition: (_ y: Int32, _ x: Int32, _ origin: Int) -> Double

    package init(prior: Double, switching: (toDialect: Double, toGeneral: Double),
         transition: @escaping (_ y: Int32, _ x: Int32, _ origin: Int) -> Double) {
        self.prior = prior
        up = switching.toDialect
        down = switching.toGeneral
        self.transition = transition
    }

    /// For the window `w` (n + 1 tokens): −log P(w_{j+1} | w_0 … w_j) and
    /// P(o_j = dialect | w_0 … w_j) for j in 0..<n.
    package func run(_ w: ArraySlice<Int32>) -> (loss: [Double], dialect: [Double]) {
        var loss: [Double] = [], dialect: [Double] = []
        loss.reserveCapacity(w.count)
        dialect.reserveCapacity(w.count)
        var alpha = prior
        var x = w[w.startIndex]
        for y in w.dropFirst() {
            dialect.append(alpha)
            let beta = alpha * (1 - down) + (1 - alpha) * up
            let t0 = transition(y, x, 0), t1 = transition(y, x, 1)
            let p = (1 - beta) * t0 + beta * t1
            loss.append(p > 0 ? -PortableMath.log(p) : .infinity)
            alpha = p > 0 ? beta * t1 / p : beta
            x = y
        }
        return (loss, dialect)
    }

    /// The Bayes-optimal predictive distribution over `vocab` tokens after w_0 … w_j, for every j < n.
    package func predictive(_ w: ArraySlice<Int32>, vocab: Int) -> [[Double]] {
        let (_, dialect) = run(w)
        return zip(dialect, w).map { alpha, x in
            let beta = alpha * (1 - down) + (1 - alpha) * up
            return (0..<vocab).map { y in (1 - beta) * transition(Int32(y), x, 0) + beta * transition(Int32(y), x, 1) }
        }
    }

    /// Over the windows at `starts` (inputs `tokens[s ..< s+context]`, targets one later, as
    /// `Evaluation.evaluate` scores them): the mean −log p, summed in window order, and
    /// P(o = general | prefix) for each window's `context` inputs, keyed by its start.
    package func scan(_ tokens: [Int32], starts: [Int], context: Int) -> (meanLoss: Double, generalPosterior: [Int: [Double]]) {
        var sum = 0.0, posterior: [Int: [Double]] = [:]
        for s in starts {
            let (loss, dialect) = run(tokens[s ... s + context])
            for l in loss { sum += l }
            posterior[s] = dialect.map { 1 - $0 }
        }
        return (starts.isEmpty ? .nan : sum / Double(starts.count * context), posterior)
    }
}
