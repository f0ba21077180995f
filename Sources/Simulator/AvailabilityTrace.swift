/// Measured on/off behaviour of one device: the intervals it is active in, within a cycle of
/// `period` that repeats from simulated time 0 on.
///
/// This is FedScale's availability rule (`client_behave_trace`; fedscale/cloud/internal/client_metadata.py,
/// `is_active`): a client is active at time t when `active[i] ≤ t mod finish_time ≤ inactive[i]` for some i,
/// with t in seconds from the start of the run. Here intervals are half-open, [start, end) in
/// simulated µs (the boundary instants are a measure-zero difference), and membership is exact:
/// FedScale walks a `behavior_index` that advances at most one interval per query, which only
/// approximates membership when it is queried rarely.
public struct AvailabilityTrace: Sendable, Equatable {
    /// Cycle length, µs (FedScale's `finish_time`).
    public let period: SimTime
    /// Active intervals within one cycle: sorted, disjoint, not touching (touching ones are
    /// merged), inside 0...period; at least one.
    public let intervals: [Range<SimTime>]

    /// Intervals must be sorted, non-empty, disjoint and inside 0...period (the trace reader checks
    /// this and names the line); touching intervals are merged.
    public init(period: SimTime, intervals: [Range<SimTime>]) {
        precondition(period > 0 && !intervals.isEmpty, "an availability trace needs a period and an interval")
        var merged: [Range<SimTime>] = []
        for r in intervals {
            precondition(!r.isEmpty && r.lowerBound >= 0 && r.upperBound <= period, "interval \(r) outside 0...\(period)")
            if let last = merged.last {
                precondition(last.upperBound <= r.lowerBound, "intervals overlap or are unsorted")
                if last.upperBound == r.lowerBound {
                    merged[merged.count - 1] = last.lowerBound..<r.upperBound
                    continue
                }
            }
            merged.append(r)
        }
        self.period = period
        self.intervals = merged
    }

    /// t mod period (t ≥ 0 in a run; negative times wrap the same way).
    private func position(_ t: SimTime) -> SimTime {
        let x = t % period
        return x < 0 ? x + period : x
    }

    /// The index of the last interval starting at or before x (nil: x is before the first).
    private func lastStarting(atOrBefore x: SimTime) -> Int? {
        var lo = 0, hi = intervals.count  // binary search: intervals[lo..<hi] undecided
        while lo < hi {
            let mid = (lo + hi) / 2
            if intervals[mid].lowerBound <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : lo - 1
    }

    public func isOn(at t: SimTime) -> Bool {
        guard let k = lastStarting(atOrBefore: position(t)) else { return false }
        return intervals[k].contains(position(t))
    }

    /// The first time ≥ t at which the device is on.
    public func nextOn(after t: SimTime) -> SimTime {
        let x = position(t)
        let k = lastStarting(atOrBefore: x)
        if let k, intervals[k].contains(x) { return t }
        let next = (k ?? -1) + 1
        return next < intervals.count ? t + intervals[next].lowerBound - x : t + period - x + intervals[0].lowerBound
    }

    /// When a device that is on at t goes off (nil: it never does, being on for the whole cycle).
    /// An interval that ends at the end of the cycle continues into one that starts at 0.
    public func offAfter(_ t: SimTime) -> SimTime? {
        let x = position(t)
        guard let k = lastStarting(atOrBefore: x), intervals[k].contains(x) else { preconditionFailure("off at \(t)") }
        let end = t - x + intervals[k].upperBound
        guard intervals[k].upperBound == period, intervals[0].lowerBound == 0 else { return end }
        return intervals.count == 1 ? nil : end + intervals[0].upperBound
    }

    /// The longest time a device stays on from an instant it is on (µs), an interval that ends
    /// the cycle continuing into one that starts it; nil when it is on for the whole cycle.
    public var longestStretch: SimTime? {
        var longest: SimTime = 0
        for r in intervals {
            guard let off = offAfter(r.lowerBound) else { return nil }
            longest = max(longest, off - r.lowerBound)
        }
        return longest
    }
}
