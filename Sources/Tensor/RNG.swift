/// A splittable SplitMix64 generator. Every random stream in a run is derived
/// from (run seed, client id, stream name), so draws never depend on which
/// thread ran first, and there is no global RNG anywhere (docs/design.md §2).
public struct RNG: Sendable, Equatable, Codable {
    public private(set) var state: UInt64

    public init(state: UInt64) { self.state = state }

    /// The stream `name` of client `client` in the run seeded with `seed`.
    public init(seed: UInt64, client: Int = -1, stream: String) {
        var s = RNG.mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        s = RNG.mix(s ^ UInt64(bitPattern: Int64(client)) &* 0xD6E8_FEB8_6659_FD93)
        s = RNG.mix(s ^ RNG.fnv1a(stream))
        state = s
    }

    /// The `index`-th child stream (e.g. one per round), without string hashing; does not advance `self`.
    public func split(_ index: Int) -> RNG {
        RNG(state: RNG.mix(state ^ RNG.mix(UInt64(bitPattern: Int64(index)) &+ 0x2545_F491_4F6C_DD1D)))
    }

    /// An independent child stream; does not advance `self`.
    public func split(_ name: String) -> RNG {
        RNG(state: RNG.mix(state ^ RNG.fnv1a(name) &+ 0x632B_E59B_D9B4_E019))
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return RNG.mix(state)
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func uniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216) }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992) }

    /// Uniform integer in 0..<bound (Lemire's multiply-shift, bias < 2^-32 for our bounds).
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(((next() >> 32) &* UInt64(bound)) >> 32)
    }

    /// Standard normal by Box–Muller (one value per call, deterministic).
    public mutating func normal() -> Float { Float(normalDouble()) }

    /// Standard normal by Box–Muller in Double (one value per call, deterministic).
    public mutating func normalDouble() -> Double {
        let u1 = max(uniformDouble(), 1e-300), u2 = uniformDouble()
        return (-2 * PortableMath.log(u1)).squareRoot() * PortableMath.cos(2 * Double.pi * u2)
    }

    static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func fnv1a(_ s: String) -> UInt64 { fnv1a(bytes: s.utf8) }

    /// FNV-1a (64-bit) of a byte sequence: stream names, and fingerprints of generated content.
    public static func fnv1a<S: Sequence<UInt8>>(bytes: S) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}


extension Tensor {
    public func fillNormal(std: Float, rng: inout RNG) {
        for i in 0..<count { ptr[i] = rng.normal() * std }
    }
    public func fillUniform(bound: Float, rng: inout RNG) {
        for i in 0..<count { ptr[i] = (2 * rng.uniform() - 1) * bound }
    }
    public func fill(_ v: Float) { ptr.update(repeating: v, count: count) }
}
