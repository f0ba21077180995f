import Tensor

/// How labelled documents are dealt to N clients — the non-IID partitions of the FL toolkits
/// (Flower Datasets, FedML, FederatedScope, pfl). Seeded and machine-independent
/// (`RNG`, `PortableMath`).
///
/// - `natural`: one client per label (the paper's AG News protocol).
/// - `iid`: a seeded shuffle dealt in equal shares, or with `sizeAlpha` β in shares q ~ Dir(β)
///   (quantity skew).
/// - `dirichlet`: label skew after Hsu et al. (2019) as FedML implements it: for every label k,
///   client shares p_k ~ Dir(α, …, α) of that label's documents; small α gives each client few
///   labels, large α approaches IID.
/// - `shards`: the pathological split of McMahan et al. (2017): documents sorted by label, cut
///   into N·k equal shards, k random shards per client (at most k labels each).
/// A client with fewer than `minimumDocuments` documents cannot hold three usable splits: the
/// Dirichlet draws are repeated (as FedML does) until none is below it, up to 1000 draws.
package struct Partition {
    package enum Kind: String, CaseIterable { case natural, iid, dirichlet, shards }

    package var kind: Kind = .natural
    package var clients = 4
    package var alpha = 0.5
    package var classesPerClient = 2
    package var sizeAlpha: Double? = nil
    package var seed: UInt64 = 0

    package init(kind: Kind = .natural, clients: Int = 4, alpha: Double = 0.5, classesPerClient: Int = 2,
                 sizeAlpha: Double? = nil, seed: UInt64 = 0) {
        self.kind = kind
        self.clients = clients
        self.alpha = alpha
        self.classesPerClient = classesPerClient
        self.sizeAlpha = sizeAlpha
        self.seed = seed
    }

    package static let minimumDocuments = 30

    package struct Error: Swift.Error, CustomStringConvertible { package let description: String }

    /// Document indices per client (each list ascending) for documents with these labels (0..<classes).
    package func assign(labels: [Int], classes: Int) throws -> [[Int]] {
        var rng = RNG(seed: seed, stream: "partition-\(kind.rawValue)")
        let byClass = (0..<classes).map { k in shuffled(labels.indices.filter { labels[$0] == k }, &rng) }
        var out: [[Int]]
        switch kind {
        case .natural:
            out = byClass
        case .iid:
            let all = shuffled(Array(labels.indices), &rng)
            if let beta = sizeAlpha {
                out = try draw("size Dirichlet(\(beta))", raise: "--size-alpha", &rng) { rng in
                    Self.cut(all, shares: Self.dirichlet(alpha: beta, count: clients, &rng))
                }
            } else {
                out = Self.cut(all, shares: Array(repeating: 1 / Double(clients), count: clients))
            }
        case .dirichlet:
            out = try draw("Dirichlet(\(alpha))", raise: "--alpha", &rng) { rng in
                var clientsDocs = Array(repeating: [Int](), count: clients)
                for docs in byClass {
                    for (i, part) in Self.cut(docs, shares: Self.dirichlet(alpha: alpha, count: clients, &rng)).enumerated() {
                        clientsDocs[i] += part
                    }
                }
                return clientsDocs
            }
        case .shards:
            let k = classesPerClient, sorted = byClass.flatMap { $0 }, count = clients * k
            guard sorted.count >= count else {
                throw Error(description: "--partition shards: \(sorted.count) documents cannot make \(clients) × \(k) shards")
            }
            let order = shuffled(Array(0..<count), &rng)
            out = (0..<clients).map { i in
                order[i * k ..< (i + 1) * k].flatMap { s in Array(sorted[s * sorted.count / count ..< (s + 1) * sorted.count / count]) }
            }
        }
        out = out.map { $0.sorted() }
        if let i = out.firstIndex(where: { $0.count < Self.minimumDocuments }) {
            throw Error(description: "--partition \(kind.rawValue): client \(i) gets \(out[i].count) documents, fewer than \(Self.minimumDocuments) (use fewer clients)")
        }
        return out
    }

    /// Repeats a random assignment until every client has `minimumDocuments` (FedML's rule);
    /// the error names the distribution drawn from (`law`) and the option that sets it (`flag`).
    private func draw(_ law: String, raise flag: String, _ rng: inout RNG, _ once: (inout RNG) -> [[Int]]) throws -> [[Int]] {
        for _ in 0..<1000 {
            let a = once(&rng)
            if a.allSatisfy({ $0.count >= Self.minimumDocuments }) { return a }
        }
        throw Error(description: "--partition \(kind.rawValue): no \(law) draw in 1000 gives each of \(clients) clients \(Self.minimumDocuments) documents (raise \(flag) or use fewer clients)")
    }

    private func shuffled(_ a: [Int], _ rng: inout RNG) -> [Int] {
        var a = a
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, rng.int(below: i + 1)) }
        return a
    }

    /// Consecutive pieces of `items` in proportion to `shares` (cumulative, rounded).
    package static func cut(_ items: [Int], shares: [Double]) -> [[Int]] {
        var out: [[Int]] = [], acc = 0.0, start = 0
        for (i, s) in shares.enumerated() {
            acc += s
            let end = i == shares.count - 1 ? items.count : min(items.count, Int((acc * Double(items.count)).rounded()))
            out.append(Array(items[start..<max(start, end)]))
            start = max(start, end)
        }
        return out
    }

    /// A draw of Dir(α, …, α) over `count` parts: Gamma(α) draws normalised to sum 1, taken in logs
    /// (share i = e^(ℓᵢ − max ℓ) / Σⱼ e^(ℓⱼ − max ℓ), ℓ = `logGamma`) so that no α > 0 underflows:
    /// Gamma(α) draws themselves are often below the smallest Double for α ≲ 1e-3 (e^(−10⁴) at
    /// α = 1e-4). Shares below the largest by a factor over e^745 come out 0.
    package static func dirichlet(alpha: Double, count: Int, _ rng: inout RNG) -> [Double] {
        let logs = (0..<count).map { _ in logGamma(alpha, &rng) }
        let top = logs.max()!
        let weights = logs.map { PortableMath.exp($0 - top) }
        let total = weights.reduce(0, +)  // ≥ 1: the largest part's weight is e^0
        return weights.map { $0 / total }
    }

    /// The logarithm of a Gamma(α, 1) draw, finite for every α > 0. α < 1 uses Marsaglia and
    /// Tsang's boost Gamma(α) = Gamma(α + 1)·U^(1/α) as a sum, log Gamma(α + 1) + log(U)/α:
    /// the product itself underflows for small α (U^(1/α) is e^(−10⁶) at α = 1e-6).
    package static func logGamma(_ alpha: Double, _ rng: inout RNG) -> Double {
        guard alpha < 1 else { return PortableMath.log(gamma(alpha, &rng)) }
        let u = max(rng.uniformDouble(), 1e-300)
        return logGamma(alpha + 1, &rng) + PortableMath.log(u) / alpha
    }

    /// A Gamma(α, 1) draw: Marsaglia and Tsang (2000) for α ≥ 1; below 1, e^`logGamma`, which is
    /// 0 where the draw is below the smallest Double (so `dirichlet` works in logs).
    package static func gamma(_ alpha: Double, _ rng: inout RNG) -> Double {
        guard alpha >= 1 else { return PortableMath.exp(logGamma(alpha, &rng)) }
        let d = alpha - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = rng.normalDouble()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = rng.uniformDouble()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if u > 0, PortableMath.log(u) < 0.5 * x * x + d * (1 - v + PortableMath.log(v)) { return d * v }
        }
    }
}
