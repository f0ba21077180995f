import Simulator
import Tensor

/// A run's state after a completed round, exactly what a checkpoint's `state.json` holds (the
/// federation's tensors go beside it, in `state.safetensors`): the scheduler's clock and
/// counters, the run's totals so far and how long each output file was. `RunRecorder` keeps the
/// totals as the run goes; `RunCheckpoint` writes and reads the whole.
struct RunState: Codable {
    /// Rounds done.
    var round = 0
    /// Simulated microseconds at the end of that round.
    var now: SimTime = 0
    /// Simulated events so far (`events.jsonl` lines).
    var events = 0
    /// Local steps each client has trained (where its router bursts fall).
    var stepsDone: [Int] = []
    var bytesUp = 0
    var bytesDown = 0
    /// When the mean test perplexity first reached `target_ppl`.
    var reached: SimTime?
    /// Round-0 test perplexity per client (the base's, for `BaseFit`).
    var basePPL: [Double] = []
    /// The last evaluation's score per client.
    var lastResults: [Evaluation.Result] = []
    /// Bytes of each output file (whole lines), in `RunRecorder.outputs` order.
    var files: [OutputFile] = []
    var clients: [ClientSnapshot] = []

    struct OutputFile: Codable, Equatable {
        var name: String
        var bytes: UInt64
    }

    enum CodingKeys: String, CodingKey {
        case round, now = "now_us", events, stepsDone = "steps_done", bytesUp = "bytes_up", bytesDown = "bytes_down"
        case reached = "reached_us", basePPL = "base_ppl", lastResults = "last_results", files, clients
    }

    /// The mean over clients of the last evaluation's test perplexity (nil before any).
    var meanPPL: Double? { lastResults.isEmpty ? nil : lastResults.map(\.ppl).reduce(0, +) / Double(lastResults.count) }
}
