import Foundation
import Simulator
import Tensor

/// Training diverged (a non-finite loss or gradient): exit code 3, outputs kept.
struct TrainingDiverged: Error, CustomStringConvertible {
    let description: String
}

/// An asynchronous run stopped making progress (`Simulation.stalled`: no update can reach the
/// server any more, or none did within the stall bound): exit code 4, outputs kept.
struct RunStalled: Error, CustomStringConvertible {
    let description: String
}

/// One seed of a scenario, from the clients to a finished run folder:
/// the scheduler drives rounds, the federation trains, and every
/// `eval_every` aggregations each client's test loss (and routing) is logged.
final class ScenarioRun {
    let scenario: Scenario
    let seed: UInt64
    /// The base, devices and data, read and checked before the folder was made.
    let inputs: RunInputs
    let folder: RunFolder
    let workers: Int
    let quiet: Bool

    var base: GPT { inputs.base }
    /// Token splits per client (nil in cost-only mode).
    var data: [ClientData]? { inputs.data?.clients }

    init(_ scenario: Scenario, seed: UInt64, inputs: RunInputs, folder: RunFolder, workers: Int, quiet: Bool) {
        self.scenario = scenario
        self.seed = seed
        self.inputs = inputs
        self.folder = folder
        self.workers = workers
        self.quiet = quiet
    }

    /// Values of the parameters that travel for a client with these adapters.
    static func sharedValues(_ config: GPTConfig, _ ad: AdapterConfig, _ strategy: any CollaborationStrategy) throws -> Int {
        let m = try GPT(config: config, adapters: ad, rng: RNG(seed: 0, stream: "count"))
        return m.parameters.filter { strategy.shares($0.role) }.reduce(0) { $0 + $1.value.count }
    }

    /// The scheduler's view of a client's work: FLOPs of one local step and, under an
    /// alternating schedule, the router burst after every `every`-th step (`iters` router steps).
    static func simClient(_ config: GPTConfig, _ ad: AdapterConfig, _ strategy: any CollaborationStrategy, batch: Int, time: Int,
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

    /// Runs the scenario into the folder; with `resume`, continues from that checkpoint.
    func run(resume: (RunCheckpoint, Safetensors)? = nil) throws {
        let s = scenario.config, start = DispatchTime.now().uptimeNanoseconds
        let provenance = try Provenance.begin(folder, fromRound: resume?.0.round ?? 0, workers: workers)
        let time = inputs.context
        let setup = inputs.setup
        let strategy = setup.strategy
        let pooled = s.pooled
        let fedClients = pooled ? 1 : s.clientCount
        let training = s.trainingConfig(context: time)
        let scheduling = s.simulationConfig(clients: fedClients, seed: seed)
        let fed: Federation? = try data.map { d in
            try Federation(base: base, data: pooled ? [ClientData.pooled(d)] : d, strategy: strategy, training: training,
                           seed: seed, workers: workers, server: ServerMode(scheduling.policy))
        }
        if let (cp, st) = resume, let fed { try cp.restore(fed, from: st) }
        let sim = try simClients(setup, count: fedClients, batch: strategy.batch ?? training.batch, context: time)

        let kept = resume?.0.files ?? []
        let writers = try RunCheckpoint.outputs.map { name in
            try JSONLWriter(folder.file(name), keep: kept.first { $0.0 == name }?.1 ?? 0)
        }
        let (events, metrics, routing, rounds) = (writers[0], writers[1], writers[2], writers[3])
        var bytesUp = resume?.0.bytesUp ?? 0, bytesDown = resume?.0.bytesDown ?? 0
        let numerics = RunNumerics(federation: fed)
        var lastPPL: [Evaluation.Result] = resume?.0.lastResults ?? []
        var reached: SimTime? = resume?.0.reached  // when the mean test perplexity first reached target_ppl

        let evaluation = RunEvaluation(s, seed: seed, context: time, data: data, federation: fed, world: inputs.data?.world)
        /// Scores every client and writes the metrics and routing lines.
        func evaluate(round: Int, at t: SimTime, _ moment: RunEvaluation.Moment) throws {
            guard let fed, let data else { return }
            let scores = try evaluation.score(fed, data, round: round, keptIn: folder)
            for (i, score) in scores.enumerated() {
                let j = pooled ? 0 : i
                let (m, r) = evaluation.records(score, round: round, step: fed.steps(j), time: t, client: i, trainLoss: fed.trainLoss(j),
                                                moment: moment)
                try metrics.append(record: m)
                for line in r { try routing.append(record: line) }
            }
            events.append(TimelineEvent(time: t, kind: .evaluation, round: round, client: -1).jsonLine)
            // The models the last evaluation scored (before the last aggregation, by default) are the clients' own.
            if round == evaluation.rounds, s.outputs.saveAdapters { try saveAdapters(fed, clients: fedClients, round: round, moment) }
            lastPPL = scores.map(\.result)
            let mean = lastPPL.map(\.ppl).reduce(0, +) / Double(lastPPL.count)
            if reached == nil, let target = s.schedule.targetPPL, mean <= target { reached = t }
        }

        let total = s.schedule.rounds, checkpointEvery = s.outputs.checkpointEvery
        if resume == nil { try evaluate(round: 0, at: 0, evaluation.moment(ofRound: 0)!) }
        let basePPL = resume?.0.basePPL ?? lastPPL.map(\.ppl)
        let fit = data.map { BaseFit(basePPL: basePPL, data: $0, starts: evaluation.starts, context: time, vocab: base.config.vocabSize) }
        if let fit, let d = inputs.data, let warning = fit.warning(base: s.model.base, names: setup.names, data: d) {
            note("comigs: " + warning)  // even with --quiet: the run's numbers mean little
        }
        var simTime: SimTime = resume?.0.now ?? 0, eventCount = resume?.0.events ?? 0
        var stalled: String?, failure: Error?
        if total > 0 {
            let simulation = Simulation(clients: sim, config: scheduling)
            simulation.onEvent = { events.append($0.jsonLine) }
            simulation.numerics = numerics
            simulation.keepsOutcomes = false  // each round is read through `numerics` as it ends
            // The hooks capture the simulation, which holds `numerics`: break the cycle when the
            // run ends, or a sweep keeps every finished run's federation in memory.
            defer {
                numerics.beforeAggregation = nil
                numerics.afterAggregation = nil
            }
            numerics.beforeAggregation = { o in
                if evaluation.moment(ofRound: o.round + 1) == .beforeAggregation { try evaluate(round: o.round + 1, at: o.end, .beforeAggregation) }
            }
            numerics.afterAggregation = { [self] o in
                let done = o.round + 1
                if evaluation.moment(ofRound: done) == .afterAggregation { try evaluate(round: done, at: o.end, .afterAggregation) }
                try rounds.append(record: RoundRecord(o))
                bytesUp += o.traffic.up
                bytesDown += o.traffic.down
                for w in writers { try w.flush() }
                if checkpointEvery > 0, done % checkpointEvery == 0, done < total, simulation.resumable {
                    try RunCheckpoint(round: done, now: o.end, events: simulation.eventCount, stepsDone: simulation.stepsDone,
                                      bytesUp: bytesUp, bytesDown: bytesDown, reached: reached, basePPL: basePPL, lastResults: lastPPL,
                                      files: zip(RunCheckpoint.outputs, writers).map { ($0, $1.written) },
                                      clients: fed?.clientSnapshots() ?? []).write(fed, in: folder)
                }
                progress(done, total, sim: o.end, loss: (0..<fedClients).compactMap { fed?.trainLoss($0) }, start: start)
            }
            // A failure stops the run at once; what was written before it is kept.
            do {
                if let (cp, _) = resume {
                    _ = try simulation.run(after: cp.round, now: cp.now, events: cp.events, stepsDone: cp.stepsDone)
                } else {
                    _ = try simulation.run()
                }
            } catch { failure = error }
            simTime = simulation.now
            eventCount = simulation.eventCount
            stalled = simulation.stalled
        }
        for w in writers { try w.close() }
        if let failure { throw failure }
        if let stalled { throw RunStalled(description: "run stalled: \(stalled); the outputs so far are kept in \(folder.path)") }

        let routingRecords: [RoutingRecord] = try JSONLines.read(folder.file("routing.jsonl"))
        let summary = RunSummary(s, seed: seed, setup: setup, results: lastPPL, fit: fit, floors: evaluation.floors,
                                 routing: RoutingSummary.lastEvaluation(routingRecords), scored: evaluation.moment(ofRound: total)!,
                                 bytes: (bytesUp, bytesDown), simTime: simTime, reached: reached, events: eventCount)
        // Before summary.json, which marks the run finished.
        try RunExports.write(folder, routing: routingRecords)
        try folder.write("summary.md", summary.markdown)
        try provenance.finish(wall: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        try folder.write("summary.json", JSONValueEncoder().encode(summary).text(indent: "  ") + "\n")
        try? FileManager.default.removeItem(atPath: folder.file("checkpoints"))  // complete: nothing to resume
    }

    /// The scheduler's clients: each one's device, availability, step cost and wire bytes of what it shares.
    func simClients(_ setup: ClientSetup, count: Int, batch: Int, context: Int) throws -> [SimClient] {
        var shared: [(AdapterConfig, Int)] = []  // values shared per distinct adapter config
        return try (0..<count).map { i in
            let ad = setup.strategy.adapters(client: i)
            if !shared.contains(where: { $0.0 == ad }) { shared.append((ad, try Self.sharedValues(base.config, ad, setup.strategy))) }
            let bytes = CostModel.wireBytes(values: shared.first { $0.0 == ad }!.1, fp16: scenario.config.wireFP16)
            return Self.simClient(base.config, ad, setup.strategy, batch: batch, time: context, device: setup.devices[i],
                                  localSteps: scenario.config.schedule.localSteps, bytes: bytes, schedule: setup.schedules[i])
        }
    }

    /// Each client's adapters and routers as the last evaluation scores them (`ClientModel` reads them
    /// back), recording that round and moment.
    func saveAdapters(_ fed: Federation, clients: Int, round: Int, _ moment: RunEvaluation.Moment) throws {
        try FileManager.default.createDirectory(atPath: folder.file("clients"), withIntermediateDirectories: true)
        for i in 0..<clients {
            try Checkpoint.saveAdapters(fed.model(i), to: folder.file(ClientModel.adapters(client: i)),
                                        metadata: [ClientModel.roundKey: "\(round)", ClientModel.scoredKey: moment.rawValue])
        }
    }

    func progress(_ done: Int, _ total: Int, sim: SimTime, loss: [Double], start: UInt64) {
        guard !quiet else { return }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let eta = elapsed / Double(done) * Double(total - done)
        let l = loss.isEmpty ? "—" : String(format: "%.4f", loss.reduce(0, +) / Double(loss.count))
        note(String(format: "[%@ seed %d] round %d/%d · step %d · sim %.1f s · train loss %@ · %.0f s elapsed · ETA %.0f s",
                    scenario.name, seed, done, total, done * scenario.config.schedule.localSteps, Double(sim) / 1e6, l, elapsed, eta))
    }
}

/// The simulation's numeric side for a run: the federation's training (or,
/// in cost-only mode, the cost model's FLOPs) and hooks around each
/// aggregation. A diverged client or a failing hook throws, which stops the simulation at once.
final class RunNumerics: SimulationNumerics {
    let federation: Federation?
    /// Runs when a round's updates are in, before the server combines them (scoring the clients' own models).
    var beforeAggregation: ((RoundOutcome) throws -> Void)?
    var afterAggregation: ((RoundOutcome) throws -> Void)?

    init(federation: Federation?) {
        self.federation = federation
    }

    /// Measured FLOPs per client; none in cost-only mode (the scheduler then uses the cost model's).
    /// Throws `TrainingDiverged` naming the first client whose training hit a non-finite value.
    func train(_ work: [(client: Int, steps: Int)], round: Int) throws -> [Double] {
        guard let federation else { return [] }
        let flops = federation.train(work, round: round)
        if let f = federation.failures.first {
            throw TrainingDiverged(description: "training diverged: client \(f.client), \(f.message)")
        }
        return flops
    }

    func launch(_ clients: [Int]) { federation?.launch(clients) }
    func trainingDone(_ client: Int) { federation?.trainingDone(client) }
    func uploaded(_ client: Int, weight: Double) { federation?.uploaded(client, weight: weight) }

    func aggregate(_ outcome: RoundOutcome) throws {
        try beforeAggregation?(outcome)
        federation?.aggregate(outcome)
    }

    func roundEnded(_ outcome: RoundOutcome) throws { try afterAggregation?(outcome) }
}
