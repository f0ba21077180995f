import Dispatch
import Tensor

/// `comigs bench events`: the cost-only scheduler at scale, every client selected
/// every round (the heaviest case), mixed device classes, stragglers and dropouts on.
public enum EventBenchmark {
    public struct Result: Codable, Sendable {
        public var clients: Int
        public var rounds: Int
        public var events: Int
        public var events_per_s: Double
        public var wall_s: Double
        public var sim_time_s: Double
    }

    /// CoMiGS-1G1S on the byte-level tiny GPT with the paper's protocol: 10 local
    /// steps of batch 64 × 128 tokens; attention LoRA + the generalist travel.
    public static func clients(_ n: Int) -> [SimClient] {
        let cfg = GPTConfig(nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 128, vocabSize: 256)
        let ad = AdapterConfig(rank: 8, experts: 2)
        let flops = Double(CostModel.trainingFlops(config: cfg, adapters: ad, batch: 64, time: 128))
        // What 1G1S ships, counted on the real model rather than by a second formula.
        let model = try! GPT(config: cfg, adapters: ad, rng: RNG(seed: 0, stream: "shape"))
        let shared = model.parameters.filter { CoMiGS().shares($0.role) }.reduce(0) { $0 + $1.value.count }
        return (0..<n).map { i in
            SimClient(device: DeviceProfile.classes[i % 3], stepFlops: flops, localSteps: 10,
                      uploadBytes: 4 * shared, downloadBytes: 4 * shared)
        }
    }

    public static func run(clients n: Int, rounds: Int, seed: UInt64 = 0) throws -> Result {
        let sim = Simulation(clients: clients(n), config: SimulationConfig(
            rounds: rounds, policy: .sync, straggler: .fixed(probability: 0.1, factor: 3),
            dropout: Dropout(unavailable: 0.1, failure: 0.05), seed: seed))
        sim.keepsOutcomes = false  // as a scenario run: the scheduler alone is timed
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = try sim.run()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return Result(clients: n, rounds: rounds, events: sim.eventCount, events_per_s: Double(sim.eventCount) / wall,
                      wall_s: wall, sim_time_s: Double(sim.now) / 1e6)
    }
}
