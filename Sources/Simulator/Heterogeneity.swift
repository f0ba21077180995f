import Tensor

/// Per-round compute slowdowns (docs/design.md §5): a device's compute time is multiplied by a drawn factor ≥ 1.
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

    /// The smallest slowdown `slowdown` can draw (log-normal: its infimum, 1).
    public var leastSlowdown: Double {
        switch self {
        case .none, .logNormal: 1
        case .fixed(let p, let k): p >= 1 ? k : p > 0 ? min(1, k) : 1
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


/// When a device can take part: a periodic window (a device takes a round it starts inside an
/// on-interval, and keeps it) or a measured trace, where it also leaves the round, its update
/// lost, at the moment its active interval ends before its upload does. FedScale drops a client
/// that is inactive when its round would end (fedscale/cloud/aggregation/aggregator.py,
/// `tictak_client_tasks`); leaving at the end of the interval is stricter: a device never
/// trains while its trace says it is inactive.
public enum AvailabilitySchedule: Sendable, Equatable {
    case window(AvailabilityWindow)
    case trace(AvailabilityTrace)

    public func isOn(at t: SimTime) -> Bool {
        switch self {
        case .window(let w): w.isOn(at: t)
        case .trace(let a): a.isOn(at: t)
        }
    }

    /// The first time ≥ t at which the device is on.
    public func nextOn(after t: SimTime) -> SimTime {
        switch self {
        case .window(let w): w.nextOn(after: t)
        case .trace(let a): a.nextOn(after: t)
        }
    }

    /// When a device that starts a round at t (on at t) leaves it: nil for a window, which holds a
    /// round it started; the end of the active interval for a trace.
    public func leaves(startingAt t: SimTime) -> SimTime? {
        switch self {
        case .window: nil
        case .trace(let a): a.offAfter(t)
        }
    }

    /// The longest a device can stay in a round it starts (µs): nil when unbounded (a window,
    /// or a trace on for the whole cycle); else the longest active stretch of the trace.
    public var longestStay: SimTime? {
        switch self {
        case .window: nil
        case .trace(let a): a.longestStretch
        }
    }

    /// Cycle length, µs.
    public var period: SimTime {
        switch self {
        case .window(let w): w.period
        case .trace(let a): a.period
        }
    }
}
