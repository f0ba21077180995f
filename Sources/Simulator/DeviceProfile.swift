/// What a simulated phone can do: sustained fp32 training throughput, the
/// memory an app may use, link speeds, and how often it is available.
public struct DeviceProfile: Codable, Sendable, Equatable {
    public var name: String
    /// Effective (sustained) fp32 FLOP/s of training, not the peak.
    public var flops: Double
    /// Bytes of memory the fine-tuning app may hold.
    public var memory: Int
    /// Link speeds in bytes/s.
    public var upload: Double
    public var download: Double
    /// Probability that the device is available in a given round.
    public var availability: Double

    public init(name: String, flops: Double, memory: Int, upload: Double, download: Double, availability: Double = 1) {
        self.name = name
        self.flops = flops
        self.memory = memory
        self.upload = upload
        self.download = download
        self.availability = availability
    }

    static let gib = 1 << 30

    /// Budget phone: 4× Arm Cortex-A55 at 2.0 GHz. The A55 issues one 128-bit
    /// FMA per cycle (8 fp32 FLOP/cycle; Arm Cortex-A55 Software Optimization
    /// Guide), so peak is 4 × 2.0 GHz × 8 = 64 GFLOP/s; we assume ~15% is
    /// sustained in training (memory-bound small GEMMs, thermal limits): 10 GFLOP/s.
    /// 4 GB RAM phones leave ~1.5 GB to one app. Network: the lower end of 4G,
    /// 10 Mbit/s down / 2 Mbit/s up (below the Ookla Speedtest Global Index
    /// mobile medians, which are ~50 down / ~11 up Mbit/s in 2024).
    public static let low = DeviceProfile(name: "low", flops: 10e9, memory: 3 * gib / 2,
                                          upload: 2e6 / 8, download: 10e6 / 8)
    /// Mid-range phone: 4× Cortex-A78 at 2.4 GHz, two 128-bit FMA pipes
    /// (16 FLOP/cycle; Cortex-A78 Software Optimization Guide): 154 GFLOP/s
    /// peak, ~20% sustained = 30 GFLOP/s. 8 GB RAM, ~3 GB for one app. Network
    /// at the Ookla global mobile median: 50 Mbit/s down / 11 Mbit/s up.
    public static let mid = DeviceProfile(name: "mid", flops: 30e9, memory: 3 * gib,
                                          upload: 11e6 / 8, download: 50e6 / 8)
    /// Flagship: Cortex-X4 at 3.3 GHz (four 128-bit FMA pipes, 32 FLOP/cycle,
    /// 105 GFLOP/s) plus three Cortex-A720: ~350 GFLOP/s peak, ~30% sustained
    /// = 100 GFLOP/s. 16 GB RAM, ~6 GB for one app. 5G: 200 Mbit/s down / 30 up.
    public static let high = DeviceProfile(name: "high", flops: 100e9, memory: 6 * gib,
                                           upload: 30e6 / 8, download: 200e6 / 8)

    public static let classes: [DeviceProfile] = [low, mid, high]
    public static func named(_ name: String) -> DeviceProfile? { classes.first { $0.name == name } }
}
