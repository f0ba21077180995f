import Foundation
import Simulator
import Tensor

/// What a run reads before its folder is made, each read and checked once (errors name the key
/// or the file, so bad input stops the run before anything is written).
package struct RunInputs {
    package let base: GPT
    /// The training sequence length (`model.context`, 0 = the base's).
    package let context: Int
    /// Every client's device, availability, name and method, its adapters checked against the
    /// base and the device (`ClientSetup.make`).
    package let setup: ClientSetup
    /// The clients' data and its generating process (nil in cost-only mode).
    package let data: ScenarioData?

    package static func load(_ s: ScenarioConfig) throws -> RunInputs {
        let (base, metadata) = try base(s)
        let time = try context(s, base: base)
        let (devices, schedules) = try ClientSetup.devices(s)
        let data = s.numerics ? try ScenarioData.load(s, vocab: base.config.vocabSize, context: time) : nil
        try checkLanguage(s, learned: metadata[GeneralLanguage.key], spoken: data?.generalLanguage)
        let setup = try ClientSetup.make(s, devices: devices, schedules: schedules, config: base.config, time: time,
                                         dataNames: data?.clients.map(\.name))
        return RunInputs(base: base, context: time, setup: setup, data: data)
    }

    /// What a sweep checks of every point before the first one trains: its base, devices and each
    /// client's adapters against them (ranks, memory) — all but the data, which is read when it runs.
    package static func preflight(_ s: ScenarioConfig) throws {
        let (base, metadata) = try base(s)
        if s.numerics { try checkLanguage(s, learned: metadata[GeneralLanguage.key], spoken: try ScenarioData.generalLanguage(s)) }
        let (devices, schedules) = try ClientSetup.devices(s)
        _ = try ClientSetup.make(s, devices: devices, schedules: schedules, config: base.config, time: try context(s, base: base),
                                 dataNames: nil, quiet: true)
    }

    /// Refuses a base that learned (`learned`, its metadata) another general language than the
    /// data's (`spoken`); nothing to check when either is not recorded (`BaseFit` then warns).
    package static func checkLanguage(_ s: ScenarioConfig, learned: String?, spoken: String?) throws {
        guard let learned, let spoken, learned != spoken else { return }
        throw ScenarioError(key: "model.base", reason: "\(s.model.base) learned \(GeneralLanguage.describe(learned)), but the data "
                            + "(\(s.data.isFolder ? "data.path" : "data.source")) is \(GeneralLanguage.describe(spoken))"
                            + (GeneralLanguage.bases(for: spoken).map { "; a base that learned it: \($0)" } ?? "; pretrain a base on it (comigs pretrain)"))
    }

    /// The base model a scenario names, and its file's metadata.
    package static func base(_ s: ScenarioConfig) throws -> (GPT, [String: String]) {
        let path = s.model.base
        guard FileManager.default.fileExists(atPath: path) else { throw ScenarioError(key: "model.base", reason: "\(path): no such file or folder") }
        do { return try Checkpoint.loadAnyRecorded(path) } catch { throw ScenarioError(key: "model.base", reason: "\(error)") }
    }

    /// The training sequence length: `model.context`, at most the base's, 0 = the base's.
    package static func context(_ s: ScenarioConfig, base: GPT) throws -> Int {
        let c = s.model.context
        guard c <= base.config.blockSize else {
            throw ScenarioError(key: "model.context", reason: "\(c) exceeds the base's context \(base.config.blockSize)")
        }
        return c == 0 ? base.config.blockSize : c
    }
}
