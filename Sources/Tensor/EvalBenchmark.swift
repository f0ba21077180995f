import Dispatch

/// `comigs bench eval`: scoring windows of the `comigs-tiny` model (`EngineBenchmark`) with the
/// training forward, as evaluation ran before the forward-only path (8 windows per forward, the
/// probabilities kept for a backward), and with the forward-only path at several windows per
/// forward; checks that every variant gives the same bits.
public enum EvalBenchmark {
    public struct Result: Codable, Sendable {
        /// "training-forward" or "forward-only".
        public var path: String
        public var windows_per_forward: Int
        public var ms: Double
        public var tokens_per_s: Double
        /// Its loss is bit-identical to the training forward's.
        public var same_bits: Bool
        public var kernels: String
    }

    /// Σ CE as evaluation summed it with the training forward: `Evaluation.group` windows per
    /// forward, each forward's sum added in window order. The reference for the forward-only path.
    public static func trainingForwardSum(_ model: GPT, inputs: [Int32], targets: [Int32], windows: Int, time t: Int) -> Double {
        var sum = 0.0, w = 0
        while w < windows {
            let n = min(Evaluation.group, windows - w), range = w * t ..< (w + n) * t
            sum += inputs[range].withUnsafeBufferPointer { x in targets[range].withUnsafeBufferPointer { y in
                model.forward(inputs: x, targets: y, batch: n, time: t).ceSum } }
            w += n
        }
        return sum
    }

    /// Median of `repeats` timings of each variant over `windows` random windows.
    public static func run(windows: Int, repeats: Int = 5) throws -> [Result] {
        let cfg = GPTConfig.tiny, t = cfg.blockSize
        let model = try GPT(config: cfg, adapters: EngineBenchmark.adapters(for: "comigs-tiny")!, rng: RNG(seed: 0, stream: "bench-init"))
        var r = RNG(seed: 0, stream: "bench-lora-B")
        for p in model.parameters where p.role.loraFactor == .b { p.value.fillNormal(std: 0.02, rng: &r) }
        var rng = RNG(seed: 0, stream: "bench-data")
        let inputs = (0..<windows * t).map { _ in Int32(rng.int(below: cfg.vocabSize)) }
        let targets = (0..<windows * t).map { _ in Int32(rng.int(below: cfg.vocabSize)) }
        /// (median seconds, the sum) of `score`, after one warm-up.
        func time(_ score: () -> Double) -> (Double, Double) {
            var sum = score(), seconds: [Double] = []
            for _ in 0..<repeats {
                let t0 = DispatchTime.now().uptimeNanoseconds
                sum = score()
                seconds.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            return (seconds.sorted()[repeats / 2], sum)
        }
        func result(_ path: String, _ per: Int, _ timed: (Double, Double), _ reference: Double) -> Result {
            Result(path: path, windows_per_forward: per, ms: timed.0 * 1e3, tokens_per_s: Double(windows * t) / timed.0,
                   same_bits: timed.1.bitPattern == reference.bitPattern, kernels: MatMul.activePath.name)
        }
        let reference = time { trainingForwardSum(model, inputs: inputs, targets: targets, windows: windows, time: t) }
        var results = [result("training-forward", Evaluation.group, reference, reference.1)]
        for per in [1, 2, 4, 8, 16] {
            let timed = time {
                inputs.withUnsafeBufferPointer { x in targets.withUnsafeBufferPointer { y in
                    Evaluation.ceSum(model, inputs: x, targets: y, windows: windows, time: t, forward: per, tally: { _, _ in }) } }
            }
            results.append(result("forward-only", per, timed, reference.1))
        }
        return results
    }
}
