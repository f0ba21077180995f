import Simulator
import Tensor

/// A run's state after a completed round, exactly what a checkpoint's `state.json` holds (the
/// federation's tensors go beside it, in `state.safetensors`): the scheduler's clock and
/// counters, the run's totals so far and how long each output file was. `RunRecorder` keeps the
/// totals as the run goes; `RunCheckpoint` writes and reads the whole.
package struct RunState: Codable {
    /// Rounds done.
    package var round = 0
    /// Simulated microseconds at the end of that round.
    package var now: SimTime = 0
    /// Simulated events so far (`events.jsonl` lines).
    package var events = 0
    /// Local steps each client has trained (where its router bursts fall).
    package var stepsDone: [Int] = []
    package var bytesUp = 0
    package var bytesDown = 0
    /// When the mean test perplexity first reached `target_ppl`.
    package var reached: SimTime?
    /// Round-0 test perplexity per client (the base's, for `BaseFit`; nil: not scored at round 0).
    package var basePPL: [Double?] = []
    /// The last evaluation's score per client (nil: not scored then).
    package var lastResults: [Evaluation.Result?] = []
    /// Bytes of each output file (whole lines), in `RunRecorder.outputs` order.
    package var files: [OutputFile] = []
    package var clients: [ClientSnapshot] = []

    package struct OutputFile: Codable, Equatable {
        package var name: String
        package var bytes: UInt64
    }

    package enum CodingKeys: String, CodingKey {
        case round, now = "now_us", events, stepsDone = "steps_done", bytesUp = "bytes_up", bytesDown = "bytes_down"
        case reached = "reached_us", basePPL = "base_ppl", lastResults = "last_results", files, clients
    }

    /// The mean over the clients it scored of the last evaluation's test perplexity (nil before
    /// any, or when it scored no one).
    package var meanPPL: Double? { lastResults.compactMap { $0?.ppl }.mean }
}

extension [Double] {
    /// The mean, summed in order (nil when empty).
    package var mean: Double? { isEmpty ? nil : reduce(0, +) / Double(count) }
}
