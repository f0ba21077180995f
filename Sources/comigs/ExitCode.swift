import Experiments

/// The exit codes of `comigs`: the one table `comigs help` prints (README copies it), and the one
/// place that maps what a command stopped with to its code.
enum ExitCode: Int32, CaseIterable {
    case success = 0
    case checkFailed = 1
    case badInput = 2
    case diverged = 3
    case stalled = 4

    var meaning: String {
        switch self {
        case .success: "done"
        case .checkFailed: "a check came out false: golden traces differ (golden), kernel paths disagree (bench), a sweep is incomplete (report)"
        case .badInput: "bad usage or input (an option, scenario key, data, model or output file): one line names it"
        case .diverged: "training diverged (a non-finite loss, gradient or test loss), or a result is not a finite number; what was written stays"
        case .stalled: "an async run stalled: no update can reach the server any more, or none did within the stall bound; what was written stays"
        }
    }

    /// The code for an error a command threw.
    static func of(_ error: any Error) -> ExitCode {
        switch error {
        case is GoldenMismatch, is CheckFailed: .checkFailed
        case is TrainingDiverged, is NonFiniteOutput: .diverged
        case is RunStalled: .stalled
        default: .badInput
        }
    }

    /// One line per code, as `comigs help` prints them.
    static let table = allCases.map { "  \($0.rawValue)  \($0.meaning)" }.joined(separator: "\n")
}
