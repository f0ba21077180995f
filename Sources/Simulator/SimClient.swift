/// A client as the scheduler sees it: its device and the size of its work.
public struct SimClient: Sendable, Equatable {
    public var device: DeviceProfile
    /// FLOPs of one local (expert) step (from `CostModel`).
    public var stepFlops: Double
    public var localSteps: Int
    /// Bytes of shared parameters each way per round.
    public var uploadBytes: Int
    public var downloadBytes: Int
    public var schedule: AvailabilitySchedule?
    /// CoMiGS's alternating schedule: after every `routerEvery`-th local step (counted over the
    /// run) the routers train in a burst of `routerBurstFlops`; 0 = no bursts.
    public var routerEvery: Int
    public var routerBurstFlops: Double

    public init(device: DeviceProfile, stepFlops: Double, localSteps: Int, uploadBytes: Int, downloadBytes: Int,
                schedule: AvailabilitySchedule? = nil, routerEvery: Int = 0, routerBurstFlops: Double = 0) {
        self.device = device
        self.stepFlops = stepFlops
        self.localSteps = localSteps
        self.uploadBytes = uploadBytes
        self.downloadBytes = downloadBytes
        self.schedule = schedule
        self.routerEvery = routerEvery
        self.routerBurstFlops = routerBurstFlops
    }

    /// FLOPs of `n` local steps after `done` earlier ones: the expert steps plus every router
    /// burst that falls among them (not an average: a round may hold a burst or not).
    public func flops(steps n: Int, after done: Int) -> Double {
        let bursts = routerEvery > 0 ? (done + n) / routerEvery - done / routerEvery : 0
        return Double(n) * stepFlops + Double(bursts) * routerBurstFlops
    }
}
