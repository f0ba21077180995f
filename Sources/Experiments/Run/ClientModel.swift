import Foundation
import Simulator
import Tensor

/// One client's trained model, read back from a finished run folder as the run's last evaluation
/// scored it: the run's base (scenario.json `model.base`, a path from the folder the run was
/// started in) with the client's adapters and routers (`clients/client-<i>.safetensors`, written
/// at that evaluation; a centralized run's one model is client 0's file). `score()` scores it on
/// the windows the run scored, so it reproduces the run's last `test_loss` bit for bit.
package struct ClientModel {
    /// Adapters-file metadata: the round and the moment (`RunEvaluation.Moment`) of the evaluation that scored them.
    package static let roundKey = "round", scoredKey = "scored"

    /// Client i's adapters file, relative to its run folder.
    package static func adapters(client i: Int) -> String { "clients/client-\(i).safetensors" }

    /// The run folder and client of a path `<RUN_DIR>/clients/client-<i>.safetensors`, or nil.
    package static func locate(adapters path: String) -> (run: String, client: Int)? {
        let clients = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
        guard (clients as NSString).lastPathComponent == "clients", name.hasPrefix("client-"), name.hasSuffix(".safetensors"),
              let i = Int(name.dropFirst("client-".count).dropLast(".safetensors".count)) else { return nil }
        let run = (clients as NSString).deletingLastPathComponent
        return (run.isEmpty ? "." : run, i)
    }

    package let run: String
    package let scenario: Scenario
    package let seed: UInt64
    package let client: Int
    /// The base with the client's adapters, or the base alone.
    package let model: GPT
    /// What the base's file records besides its weights (the general language it learned, …).
    package let baseMetadata: [String: String]
    /// The run's training context, at which it scored.
    package let context: Int

    /// Errors (each naming what to do): no run folder, a cost-only run, a client the run does not
    /// have; for the client's model (not `baseOnly`) also an unfinished run and one that kept no adapters.
    package init(run: String, client: Int, baseOnly: Bool) throws {
        let file = run + "/scenario.json"
        guard FileManager.default.fileExists(atPath: file) else { throw UsageError(description: "--run: \(run): no scenario.json (not a run folder)") }
        let s = try Scenario.load(file)
        guard let seed = s.seeds.first, s.seeds.count == 1 else {
            throw UsageError(description: "--run: \(file): not a run folder's scenario (one seed expected)")
        }
        guard s.config.numerics else { throw UsageError(description: "--run: \(run) ran cost-only (numerics false): it trained no model") }
        guard (0..<s.config.clientCount).contains(client) else {
            throw Misuse(description: "--client: the run has \(s.config.clientCount) clients (0...\(s.config.clientCount - 1)), got \(client)")
        }
        let (base, metadata) = try Self.reading(run) { try RunInputs.base(s.config) }
        context = try Self.reading(run) { try RunInputs.context(s.config, base: base) }
        baseMetadata = metadata
        (self.run, scenario, self.seed, self.client) = (run, s, seed, client)
        if baseOnly {
            model = base
            return
        }
        guard FileManager.default.fileExists(atPath: run + "/summary.json") else {
            throw UsageError(description: "--run: \(run) is not finished (no summary.json): finish it with 'comigs run \(file) --resume \(run)'")
        }
        guard s.config.outputs.saveAdapters else {
            throw UsageError(description: "--run: \(run) ran with outputs.save_adapters false and kept no client model; "
                             + "run the scenario again with it true (the default)")
        }
        let path = run + "/" + Self.adapters(client: s.config.pooled ? 0 : client)
        guard FileManager.default.fileExists(atPath: path) else { throw UsageError(description: "--run: \(path): missing") }
        model = try Checkpoint.loadAdapters(path, base: base)
        if try Safetensors(path: path).metadata[Self.scoredKey] == nil {
            note("comigs: warning: \(path) was written after the run's last aggregation (by an older comigs), not when the run "
                 + "last scored it: its score may differ from the run's")
        }
    }

    /// The model on the client's scored windows as the run scored them (the test split at the run's
    /// context, `eval_windows` drawn per (seed, client) as `RunEvaluation` draws them, 8 windows per
    /// forward), and a unigram model of the client's train split on the same windows (summary.json's `unigram_ppl`).
    package func score() throws -> (result: Evaluation.Result, unigramPPL: Double) {
        let data = try Self.reading(run) { try ScenarioData.load(scenario.config, vocab: model.config.vocabSize, context: context).clients }
        let evaluation = RunEvaluation(scenario.config, seed: seed, context: context, data: data, federation: nil)
        return (evaluation.score(model, client: client, data: data[client]).result,
                BaseFit.unigramPPL(data[client], starts: evaluation.starts[client], context: context, vocab: model.config.vocabSize))
    }

    /// What the run's scenario names (base, data), with an error that says whose scenario it is.
    package static func reading<T>(_ run: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ScenarioError {
            throw UsageError(description: "--run: \(run)/scenario.json: \(e) (a run's paths are from the folder it was started in)")
        }
    }
}
