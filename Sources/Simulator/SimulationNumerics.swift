/// The numeric side of a simulation: real local training and aggregation, which the
/// scheduler calls as its clock reaches each step. Every hook may throw: the error stops the
/// run at once (`Simulation.run` rethrows it), with nothing logged after it.
public protocol SimulationNumerics: AnyObject {
    /// Trains each client for its steps (concurrently, in a worker pool) and returns the FLOPs
    /// each one measured, in input order (they set when its training ends); an empty result
    /// leaves the cost model's FLOPs.
    func train(_ work: [(client: Int, steps: Int)], round: Int) throws -> [Double]
    /// Combines what arrived (called at the aggregation event).
    func aggregate(_ outcome: RoundOutcome) throws
    /// The aggregation's round is over at its end time: what clients hold now is what a report
    /// of it sees (async: after the client that filled the buffer started again).
    func roundEnded(_ outcome: RoundOutcome) throws
    /// Asynchronous rounds: these clients start work now and download the current global.
    func launch(_ clients: [Int]) throws
    /// Asynchronous rounds: the clock reached the end of this client's training (training left
    /// for later is computed by now: a non-finite value found then throws here).
    func trainingDone(_ client: Int) throws
    /// Asynchronous rounds: this client's update entered the server's buffer with `weight`.
    func uploaded(_ client: Int, weight: Double) throws
}

extension SimulationNumerics {
    public func roundEnded(_ outcome: RoundOutcome) {}
    public func launch(_ clients: [Int]) {}
    public func trainingDone(_ client: Int) {}
    public func uploaded(_ client: Int, weight: Double) {}
}

