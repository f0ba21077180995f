import Tensor

/// Per-round compute slowdowns (DESIGN §5): a device's compute time is multiplied by a drawn factor ≥ 1.
public enum Straggler: Codable, Sendable, Equatable {
    case none
    /// With probability p the device is k times slower this round.
    case fixed(probability: Double, factor: Double)
    /// exp(|N(0, σ²)|): mostly near 1, with a heavy tail.
    case logNormal(sigma: Double)

    public func slowdown(_ rng: inout RNG) -> Double {
        switch self {
        case .none: return 1
        case .fixed(let p, let k): return rng.uniformDouble() < p ? k : 1
        case .logNormal(let s): return PortableMath.exp(abs(Double(rng.normal())) * s)
        }
    }
}

/// Devices that are not there: unavailable for a whole round with probability
/// `unavailable`, or failing at a uniformly drawn point of their round with
/// probability `failure` (their update never arrives).
public struct Dropout: Codable, Sendable, Equatable {
    public var unavailable: Double
    public var failure: Double
    public init(unavailable: Double = 0, failure: Double = 0) {
        self.unavailable = unavailable
        self.failure = failure
    }
}

/// On/off availability: on for `on` out of every `period`, shifted by `phase`
/// (all simulated microseconds); a device is available when its round starts inside an on-interval.
public struct AvailabilityWindow: Codable, Sendable, Equatable {
    public var period: SimTime
    public var on: SimTime
    public var phase: SimTime
    public init(period: SimTime, on: SimTime, phase: SimTime = 0) {
        self.period = period
        self.on = on
        self.phase = phase
    }

    public func isOn(at t: SimTime) -> Bool { position(t) < on }

    /// The first time ≥ t at which the device is on.
    public func nextOn(after t: SimTime) -> SimTime {
        let x = position(t)
        return x < on ? t : t + (period - x)
    }

    private func position(_ t: SimTime) -> SimTime {
        guard period > 0 else { return 0 }
        let x = (t + phase) % period
        return x < 0 ? x + period : x
    }
}

