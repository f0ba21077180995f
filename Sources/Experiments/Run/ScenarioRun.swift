import Foundation
import Simulator
import Tensor

/// Training diverged (a non-finite loss or gradient): exit code 3, outputs kept.
package struct TrainingDiverged: Error, CustomStringConvertible {
    package let description: String
}

/// An asynchronous run stopped making progress (`Simulation.stalled`: no update can reach the
/// server any more, or none did within the stall bound): exit code 4, outputs kept.
package struct RunStalled: Error, CustomStringConvertible {
    package let description: String
}

/// One seed of a configured experiment, the one pipeline behind every published number
/// (`comigs run`, `comigs sweep`, `comigs bench methods`, the end-to-end tests; docs/design.md §7):
/// the inputs read and checked (`RunInputs`), a federation that trains, a simulation that
/// schedules it (`RunDriver`), a recorder of the outputs (`RunRecorder`) and, at the end, the
/// summary. Into a run folder, or in memory only (no folder: nothing written, nothing saved).
package struct ScenarioRun {
    package let scenario: Scenario
    package let seed: UInt64
    /// The base, devices and data, read and checked before the folder was made.
    package let inputs: RunInputs
    package let workers: Int
    package let quiet: Bool

    package var config: ScenarioConfig { scenario.config }
    package var base: GPT { inputs.base }
    /// Token splits per client (nil in cost-only mode).
    package var data: [ClientData]? { inputs.data?.clients }

    package init(_ scenario: Scenario, seed: UInt64, inputs: RunInputs, workers: Int, quiet: Bool) {
        (self.scenario, self.seed, self.inputs, self.workers, self.quiet) = (scenario, seed, inputs, workers, quiet)
    }

    /// What a run ends with, in memory: its summary and the records it wrote (or would have).
    package struct Result {
        package var summary: RunSummary
        package var metrics: [MetricsRecord]
        package var routing: [RoutingRecord]
    }

    /// Values of the parameters that travel for a client with these adapters.
    package static func sharedValues(_ config: GPTConfig, _ ad: AdapterConfig, _ strategy: any CollaborationStrategy) throws -> Int {
        let m = try GPT(config: config, adapters: ad, rng: RNG(seed: 0, stream: "count"))
        return m.parameters.filter { strategy.shares($0.role) }.reduce(0) { $0 + $1.value.count }
    }

    /// The scheduler's view of a client's work: FLOPs of one local step and, under an
    /// alternating schedule, the router burst after every `every`-th step (`iters` router steps).
    package static func simClient(_ config: GPTConfig, _ ad: AdapterConfig, _ strategy: any CollaborationStrategy, batch: Int, time: Int,
                          device: DeviceProfile, localSteps: Int, bytes: Int, schedule: AvailabilitySchedule?) -> SimClient {
        guard let r = strategy.routerSchedule else {
            return SimClient(device: device, stepFlops: Double(CostModel.trainingFlops(config: config, adapters: ad, batch: batch, time: time)),
                             localSteps: localSteps, uploadBytes: bytes, downloadBytes: bytes, schedule: schedule)
        }
        let expert = CostModel.trainingFlops(config: config, adapters: ad, batch: batch, time: time,
                                             trains: CostModel.Trains(router: false))
        let router = CostModel.trainingFlops(config: config, adapters: ad, batch: batch, time: time,
                                             trains: CostModel.Trains(attention: false, experts: false, router: true))
        return SimClient(device: device, stepFlops: Double(expert), localSteps: localSteps, uploadBytes: bytes, downloadBytes: bytes,
                         schedule: schedule, routerEvery: r.every, routerBurstFlops: Double(router) * Double(r.iters))
    }

    /// One seed of a scenario into a new folder under `out` (`<name>-<method>-seed<S>`, its resolved
    /// scenario in `scenario.json`). Errors: bad inputs (before the folder is made), then as `run`.
    package static func start(_ scenario: Scenario, seed: UInt64, out: String, workers: Int, quiet: Bool) throws -> RunFolder {
        let inputs = try RunInputs.load(scenario.config)
        let folder = try RunFolder.create(in: out, named: "\(scenario.name)-\(scenario.config.method.name)-seed\(seed)")
        // The folder's scenario reproduces exactly this run.
        let resolved = try Scenario.make(scenario.resolved, overrides: ["seeds=[\(seed)]"])
        try folder.write("scenario.json", resolved.resolved.text(indent: "  ") + "\n")
        _ = try ScenarioRun(scenario, seed: seed, inputs: inputs, workers: workers, quiet: quiet).run(into: folder)
        return folder
    }

    /// Finishes an interrupted run in its own folder: from its last complete
    /// checkpoint, or from the start when it has none. A finished run is left alone. Errors: a
    /// folder that is not a run folder, or ran another scenario than `scenario`; then as `run`.
    package static func resume(_ scenario: Scenario, _ folder: RunFolder, workers: Int, quiet: Bool) throws {
        let saved = try Scenario.load(folder.file("scenario.json"))
        guard let seed = saved.seeds.first, saved.seeds.count == 1 else {
            throw ScenarioError(key: folder.file("scenario.json"), reason: "not a run folder's scenario (one seed expected)")
        }
        let mine = try Scenario.make(scenario.resolved, overrides: ["seeds=[\(seed)]"])
        guard mine.resolved == saved.resolved else {
            throw ScenarioError(key: "--resume", reason: "\(folder.path) ran a different scenario than the one given")
        }
        if FileManager.default.fileExists(atPath: folder.file("summary.json")) {
            if !quiet { note("\(folder.path): already complete") }
            return
        }
        let checkpoint = try RunCheckpoint.latest(in: folder)
        if !quiet { note("\(folder.path): resuming " + (checkpoint.map { "after round \($0.0.round)" } ?? "from the start (no checkpoint)")) }
        _ = try ScenarioRun(saved, seed: seed, inputs: try RunInputs.load(saved.config), workers: workers, quiet: quiet).run(into: folder, resume: checkpoint)
    }

    /// Runs the scenario into `folder` (nil: in memory only); with `resume`, continues from that
    /// checkpoint. Errors: `TrainingDiverged` (exit 3), `RunStalled` (exit 4), a failed write; the
    /// outputs written before it are kept.
    package func run(into folder: RunFolder?, resume: (RunState, Safetensors)? = nil) throws -> Result {
        let provenance = try folder.map { try Provenance.begin($0, fromRound: resume?.0.round ?? 0, workers: workers) }
        let federation = try makeFederation(resume: resume)
        let recorder = try RunRecorder(folder, resuming: resume?.0)
        let evaluation = RunEvaluation(config, seed: seed, context: inputs.context, data: data, federation: federation, world: inputs.data?.world)
        let progress = RunProgress(name: scenario.name, seed: seed, rounds: config.schedule.rounds, localSteps: config.schedule.localSteps, quiet: quiet)
        let driver = RunDriver(federation: federation, data: data, evaluation: evaluation, recorder: recorder, config: config, folder: folder,
                               progress: progress)
        if resume == nil { try driver.evaluate(round: 0, at: 0, evaluation.moment(ofRound: 0)!) }
        let fit = baseFit(recorder.state.basePPL, evaluation)
        let end = try simulate(driver, from: resume?.0, folder: folder)
        let summary = RunSummary(config, seed: seed, setup: inputs.setup, results: recorder.state.lastResults, fit: fit, floors: evaluation.floors,
                                 routing: RoutingSummary.lastEvaluation(recorder.routing, round: config.schedule.rounds), scored: evaluation.moment(ofRound: config.schedule.rounds)!,
                                 bytes: (recorder.state.bytesUp, recorder.state.bytesDown), simTime: end.now, reached: recorder.state.reached,
                                 events: end.events)
        if let folder, let provenance { try finish(folder, summary, recorder, provenance, wall: progress.elapsed) }
        return Result(summary: summary, metrics: recorder.metrics, routing: recorder.routing)
    }

    /// The federation that trains (nil in cost-only mode): one pooled client for a pooled method,
    /// its server chosen by the round policy; resuming, put back as it was at the checkpoint.
    package func makeFederation(resume: (RunState, Safetensors)?) throws -> Federation? {
        guard let data else { return nil }
        let fed = try Federation(base: base, data: config.pooled ? [ClientData.pooled(data)] : data, strategy: inputs.setup.strategy,
                                 training: config.trainingConfig(context: inputs.context), seed: seed, workers: workers,
                                 server: ServerMode(config.policy.round))
        if let (state, tensors) = resume { try state.restore(fed, from: tensors) }
        return fed
    }

    /// Whether the base knows each client's text (from the round-0 scores: of the clients round 0
    /// scored; nil when it scored no one); warns when it does not.
    package func baseFit(_ basePPL: [Double?], _ evaluation: RunEvaluation) -> BaseFit? {
        guard let data, let d = inputs.data, basePPL.contains(where: { $0 != nil }) else { return nil }
        let fit = BaseFit(basePPL: basePPL, data: data, starts: evaluation.starts, context: inputs.context, vocab: base.config.vocabSize)
        if let warning = fit.warning(base: config.model.base, names: inputs.setup.names, data: d) {
            note("comigs: " + warning)  // even with --quiet: the run's numbers mean little
        }
        return fit
    }

    /// Runs the schedule (from the checkpoint's round when resuming) and closes the outputs, also
    /// when it fails; returns the simulated clock and event count at its end.
    package func simulate(_ driver: RunDriver, from resume: RunState?, folder: RunFolder?) throws -> (now: SimTime, events: Int) {
        var end = (now: resume?.now ?? 0, events: resume?.events ?? 0), stalled: String?
        do {
            if config.schedule.rounds > 0 {
                let clients = config.federatedClients
                let simulation = Simulation(clients: try simClients(count: clients), config: config.simulationConfig(clients: clients, seed: seed))
                let recorder = driver.recorder
                simulation.onEvent = { recorder.event($0) }
                simulation.numerics = driver
                simulation.keepsOutcomes = false  // each round is recorded through the driver as it ends
                driver.simulation = simulation
                if let r = resume {
                    _ = try simulation.run(after: r.round, now: r.now, events: r.events, stepsDone: r.stepsDone)
                } else {
                    _ = try simulation.run()
                }
                (end, stalled) = ((simulation.now, simulation.eventCount), simulation.stalled)
            }
        } catch {
            try? driver.recorder.close()
            throw error
        }
        try driver.recorder.close()
        if let stalled { throw RunStalled(description: "run stalled: \(stalled)" + (folder.map { "; the outputs so far are kept in \($0.path)" } ?? "")) }
        return end
    }

    /// A finished run's last files: the exports and `summary.md`, the session's wall time, then
    /// `summary.json` (which marks the run finished); the checkpoints go.
    package func finish(_ folder: RunFolder, _ summary: RunSummary, _ recorder: RunRecorder, _ provenance: Provenance, wall: Double) throws {
        try RunExports.write(folder, recorder)
        try folder.write("summary.md", summary.markdown)
        try provenance.finish(wall: wall)
        try folder.write("summary.json", JSONValueEncoder().encode(summary).text(indent: "  ") + "\n")
        try? FileManager.default.removeItem(atPath: folder.file("checkpoints"))  // complete: nothing to resume
    }

    /// The scheduler's clients: each one's device, availability, step cost and wire bytes of what it shares.
    package func simClients(count: Int) throws -> [SimClient] {
        let setup = inputs.setup, context = inputs.context
        let batch = setup.strategy.batch ?? config.trainingConfig(context: context).batch
        var shared: [(AdapterConfig, Int)] = []  // values shared per distinct adapter config
        return try (0..<count).map { i in
            let ad = setup.strategy.adapters(client: i)
            if !shared.contains(where: { $0.0 == ad }) { shared.append((ad, try Self.sharedValues(base.config, ad, setup.strategy))) }
            let bytes = CostModel.wireBytes(values: shared.first { $0.0 == ad }!.1, fp16: config.wireFP16)
            return Self.simClient(base.config, ad, setup.strategy, batch: batch, time: context, device: setup.devices[i],
                                  localSteps: config.schedule.localSteps, bytes: bytes, schedule: setup.schedules[i])
        }
    }
}
