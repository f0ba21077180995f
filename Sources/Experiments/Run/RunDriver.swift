import Foundation
import Simulator
import Tensor

/// The run's side of the simulation (`SimulationNumerics`, docs/design.md §5 and §7): the federation
/// trains when the scheduler says so (or, in cost-only mode, nothing does and the cost model's
/// FLOPs set the times), and around each aggregation the run scores the clients when and whom
/// `RunEvaluation` says (the round's participants as the hooks report them), records the round
/// and, every `checkpoint_every` rounds, writes a checkpoint. A diverged client or a failing
/// write throws, which stops the simulation at once.
package final class RunDriver: SimulationNumerics {
    package let federation: Federation?
    /// Token splits per client (nil in cost-only mode).
    package let data: [ClientData]?
    package let evaluation: RunEvaluation
    package let recorder: RunRecorder
    package let config: ScenarioConfig
    /// Where checkpoints and saved adapters go (nil: an in-memory run keeps neither).
    package let folder: RunFolder?
    package let progress: RunProgress
    /// The simulation being driven, for a checkpoint's counters (weak: the simulation holds its driver).
    package weak var simulation: Simulation?
    /// Who trained in the round under way (`eval_clients: "participants"`).
    private var participants: RoundParticipants

    package init(federation: Federation?, data: [ClientData]?, evaluation: RunEvaluation, recorder: RunRecorder, config: ScenarioConfig,
         folder: RunFolder?, progress: RunProgress) {
        (self.federation, self.data, self.evaluation, self.recorder) = (federation, data, evaluation, recorder)
        (self.config, self.folder, self.progress) = (config, folder, progress)
        participants = RoundParticipants(config.policy.round)
    }

    /// Measured FLOPs per client; none in cost-only mode (the scheduler then uses the cost model's).
    /// Throws `TrainingDiverged` (`checkDiverged`).
    package func train(_ work: [(client: Int, steps: Int)], round: Int) throws -> [Double] {
        guard let federation else { return [] }
        participants.ran(work.map(\.client))
        let flops = federation.train(work, round: round)
        try checkDiverged()
        return flops
    }

    /// Throws `TrainingDiverged` naming the first client whose training hit a non-finite value.
    private func checkDiverged() throws {
        if let f = federation?.failures.first {
            throw TrainingDiverged(description: "training diverged: client \(f.client), \(f.message)")
        }
    }

    package func launch(_ clients: [Int]) { federation?.launch(clients) }
    /// Deferred FedBuff training is computed here, so a divergence can surface here too.
    package func trainingDone(_ client: Int) throws {
        participants.ended(client)
        federation?.trainingDone(client)
        try checkDiverged()
    }
    package func uploaded(_ client: Int, weight: Double) { federation?.uploaded(client, weight: weight) }

    /// The round's updates are in: scored first when the clients' own models are what is scored.
    package func aggregate(_ o: RoundOutcome) throws {
        if evaluation.moment(ofRound: o.round + 1) == .beforeAggregation { try evaluate(round: o.round + 1, at: o.end, .beforeAggregation) }
        federation?.aggregate(o)
    }

    package func roundEnded(_ o: RoundOutcome) throws {
        let done = o.round + 1
        if evaluation.moment(ofRound: done) == .afterAggregation { try evaluate(round: done, at: o.end, .afterAggregation) }
        participants.roundEnded()
        try recorder.roundEnded(o)
        let every = config.outputs.checkpointEvery
        if let folder, let simulation, every > 0, done % every == 0, done < config.schedule.rounds, simulation.resumable {
            let state = recorder.checkpoint(now: o.end, events: simulation.eventCount, stepsDone: simulation.stepsDone,
                                            clients: federation?.clientSnapshots() ?? [])
            try RunCheckpoint.write(state, federation, in: folder)
        }
        progress.roundDone(done, sim: o.end, loss: federation.map { f in (0..<f.count).compactMap(f.trainLoss) } ?? [])
    }

    /// Scores the clients `eval_clients` names and records the evaluation; after the last round's,
    /// saves the clients' models as they are then (`outputs.save_adapters`).
    package func evaluate(round: Int, at t: SimTime, _ moment: RunEvaluation.Moment) throws {
        guard let federation, let data else { return }
        let clients = evaluation.scored(round: round, trained: participants.clients)
        let scores = try evaluation.score(federation, data, clients: clients, round: round, keptIn: folder)
        let records = zip(clients, scores).map { i, score in
            let j = config.pooled ? 0 : i
            return evaluation.records(score, round: round, step: federation.steps(j), time: t, client: i,
                                      trainLoss: federation.trainLoss(j), moment: moment)
        }
        try recorder.evaluated(records, results: evaluation.results(scores, of: clients), round: round, at: t,
                               target: config.schedule.targetPPL)
        // The models the last evaluation scored (before the last aggregation, by default) are the clients' own.
        if round == evaluation.rounds, config.outputs.saveAdapters, let folder { try saveAdapters(federation, in: folder, round: round, moment) }
    }

    /// Each client's adapters and routers as the last evaluation scores them (`ClientModel` reads them
    /// back), recording that round and moment.
    package func saveAdapters(_ fed: Federation, in folder: RunFolder, round: Int, _ moment: RunEvaluation.Moment) throws {
        try FileManager.default.createDirectory(atPath: folder.file("clients"), withIntermediateDirectories: true)
        for i in 0..<fed.count {
            try fed.models.with(i) { m in
                try Checkpoint.saveAdapters(m, to: folder.file(ClientModel.adapters(client: i)),
                                            metadata: [ClientModel.roundKey: "\(round)", ClientModel.scoredKey: moment.rawValue])
            }
        }
    }
}

/// A run's progress line on stderr after each round (none with `--quiet`).
package struct RunProgress {
    package let name: String
    package let seed: UInt64
    package let rounds: Int
    package let localSteps: Int
    package let quiet: Bool
    /// When the session started (`DispatchTime` nanoseconds).
    package let start = DispatchTime.now().uptimeNanoseconds

    package var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    package func roundDone(_ done: Int, sim: SimTime, loss: [Double]) {
        guard !quiet else { return }
        let eta = elapsed / Double(done) * Double(rounds - done)
        let l = loss.isEmpty ? "—" : String(format: "%.4f", loss.reduce(0, +) / Double(loss.count))
        note(String(format: "[%@ seed %d] round %d/%d · step %d · sim %.1f s · train loss %@ · %.0f s elapsed · ETA %.0f s",
                    name, seed, done, rounds, done * localSteps, Double(sim) / 1e6, l, elapsed, eta))
    }
}
