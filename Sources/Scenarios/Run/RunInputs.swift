import Foundation
import Simulator
import Tensor

/// What a run reads before its folder is made, each read and checked once (errors name the key
/// or the file, so bad input stops the run before anything is written).
struct RunInputs {
    let base: GPT
    /// The training sequence length (`model.context`, 0 = the base's).
    let context: Int
    /// Every client's device and availability (`ClientSetup.devices`).
    let devices: [DeviceProfile]
    let schedules: [AvailabilitySchedule?]
    /// The clients' data and its generating process (nil in cost-only mode).
    let data: ScenarioData?

    static func load(_ s: Scenario) throws -> RunInputs {
        let base = try base(s)
        let time = try context(s, base: base)
        let (devices, schedules) = try ClientSetup.devices(s)
        return RunInputs(base: base, context: time, devices: devices, schedules: schedules,
                         data: s.bool("numerics") ? try ScenarioData.load(s, vocab: base.config.vocabSize, context: time) : nil)
    }

    /// The base model a scenario names.
    static func base(_ s: Scenario) throws -> GPT {
        let path = s.string("model.base")!
        guard FileManager.default.fileExists(atPath: path) else { throw ScenarioError(key: "model.base", reason: "\(path): no such file or folder") }
        do { return try Checkpoint.loadAny(path) } catch { throw ScenarioError(key: "model.base", reason: "\(error)") }
    }

    /// The training sequence length: `model.context`, at most the base's, 0 = the base's.
    static func context(_ s: Scenario, base: GPT) throws -> Int {
        let c = s.int("model.context")
        guard c <= base.config.blockSize else {
            throw ScenarioError(key: "model.context", reason: "\(c) exceeds the base's context \(base.config.blockSize)")
        }
        return c == 0 ? base.config.blockSize : c
    }
}
