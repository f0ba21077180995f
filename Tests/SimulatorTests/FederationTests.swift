import XCTest
@testable import Simulator
@testable import Tensor

/// Numeric simulations: real training on the scheduler, FedAvg's server, and
/// bit-identical results for any number of workers.
final class FederationTests: XCTestCase {
    static let config = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 32, vocabSize: 64)

    static func data(_ n: Int) -> [ClientData] {
        (0..<n).map { i in
            var r = RNG(seed: 9, client: i, stream: "tokens")
            // Each client repeats its own short pattern with noise, so training has something to learn.
            func split(_ count: Int) -> [Int32] {
                (0..<count).map { j in r.uniform() < 0.8 ? Int32((j * (i + 2)) % 64) : Int32(r.int(below: 64)) }
            }
            return ClientData(name: "c\(i)", tokens: [.train: split(3000), .valid: split(400), .test: split(400)])
        }
    }

    func federation(_ strategy: any CollaborationStrategy, workers: Int, steps: Int = 3, rounds: Int = 2,
                    server: ServerMode = .synchronous) throws -> Federation {
        let base = try GPT(config: Self.config, adapters: .dense, rng: RNG(seed: 1, stream: "base"))
        var t = TrainingConfig(totalSteps: steps * rounds)
        t.batch = 4
        t.microBatch = 2
        t.time = 16
        return try Federation(base: base, data: Self.data(4), strategy: strategy, training: t, seed: 5, workers: workers, server: server)
    }

    func simulate(_ fed: Federation, rounds: Int, steps: Int, policy: RoundPolicy = .sync,
                  dropout: Dropout = Dropout(), numerics: (any SimulationNumerics)? = nil) throws -> ([RoundOutcome], [String]) {
        let devices = [DeviceProfile.low, .mid, .high, .mid]
        let cs = (0..<fed.count).map { i in
            SimClient(device: devices[i], stepFlops: 1e9, localSteps: steps, uploadBytes: fed.sharedBytes(i),
                      downloadBytes: fed.sharedBytes(i))
        }
        let sim = Simulation(clients: cs, config: SimulationConfig(rounds: rounds, policy: policy,
                                                                   straggler: .logNormal(sigma: 0.3), dropout: dropout, seed: 3))
        sim.numerics = numerics ?? fed
        var lines: [String] = []
        sim.onEvent = { lines.append($0.jsonLine) }
        return (try sim.run(), lines)
    }

    /// After a synchronous FedAvg round every client holds the same LoRA weights,
    /// equal to the (re-normalised) mean of what arrived.
    func testFedAvgServerIsTheMeanOfArrivals() throws {
        let fed = try federation(FedAvg(rank: 4), workers: 2)
        // Train one round by hand, remember the uploads, then aggregate with one client dropped.
        _ = fed.train((0..<4).map { (client: $0, steps: 2) }, round: 0)
        let uploads = (0..<4).map { i in fed.clients[i].shared.map { $0.value.clone() } }
        XCTAssertFalse(uploads[0][3].bitEqual(uploads[1][3]), "clients trained apart")
        let arrived = [0, 2, 3].map { Participation(client: $0, steps: 2, slowdown: 1, start: 0, arrival: 1, version: 0, weight: 1.0 / 3) }
        fed.aggregate(RoundOutcome(round: 0, start: 0, end: 1, selected: [0, 1, 2, 3], arrived: arrived, failed: [1], dropped: []))
        for j in uploads[0].indices {
            let mean = uploads[0][j].clone()
            mean.zero()
            for i in [0, 2, 3] { mean.add(uploads[i][j], scale: Float(1.0 / 3)) }
            for i in 0..<4 { XCTAssertTrue(fed.clients[i].shared[j].value.bitEqual(mean), "client \(i) tensor \(j)") }
        }
        XCTAssertTrue(fed.clients.allSatisfy { $0.shared.allSatisfy { $0.role.isLoRA } })
        XCTAssertEqual(fed.sharedBytes(0), 4 * fed.clients[0].shared.reduce(0) { $0 + $1.value.count })
    }

    func testLocalSharesNothingAndStaysApart() throws {
        let fed = try federation(Local(rank: 4), workers: 2)
        XCTAssertEqual(fed.sharedBytes(0), 0)
        let (out, _) = try simulate(fed, rounds: 1, steps: 3)
        XCTAssertEqual(out[0].arrived.count, 4)
        let a = fed.parameters(0) { $0.isLoRA }, b = fed.parameters(1) { $0.isLoRA }
        XCTAssertFalse(zip(a, b).allSatisfy { $0.value.bitEqual($1.value) })
    }

    /// Same scenario on 1, 2 and 4 workers: the same timeline, the same losses, the same weights.
    func testBitIdenticalForAnyNumberOfWorkers() throws {
        func run(_ workers: Int) throws -> ([String], [Double], [Tensor]) {
            let fed = try federation(FedAvg(rank: 4, experts: 2), workers: workers)
            let (_, lines) = try simulate(fed, rounds: 2, steps: 3, policy: .deadline(seconds: 30, partial: true),
                                      dropout: Dropout(failure: 0.2))
            let eval = fed.evaluate().map(\.loss)
            return (lines, eval, (0..<fed.count).flatMap { fed.parameters($0).filter { $0.requiresGrad }.map(\.value) })
        }
        let (l1, e1, w1) = try run(1), (l2, e2, w2) = try run(2), (l4, e4, w4) = try run(4)
        XCTAssertEqual(l1, l2)
        XCTAssertEqual(l1, l4)
        XCTAssertEqual(e1, e2)
        XCTAssertEqual(e1, e4)
        XCTAssertTrue(zip(w1, w2).allSatisfy { $0.bitEqual($1) })
        XCTAssertTrue(zip(w1, w4).allSatisfy { $0.bitEqual($1) })
        XCTAssertTrue(l1.contains { $0.contains("upload_done") })
    }

    /// The async (FedBuff) policy too: clients starting together train together, same bits.
    func testAsyncBitIdenticalForAnyNumberOfWorkers() throws {
        func run(_ workers: Int) throws -> ([String], [Tensor]) {
            let fed = try federation(FedAvg(rank: 4), workers: workers, server: .fedBuff)
            let (out, lines) = try simulate(fed, rounds: 3, steps: 2, policy: .async(buffer: 2, maxStaleness: 2))
            XCTAssertEqual(out.count, 3)
            return (lines, (0..<fed.count).flatMap { fed.parameters($0).filter { $0.requiresGrad }.map(\.value) })
        }
        let (l1, w1) = try run(1), (l2, w2) = try run(2)
        XCTAssertEqual(l1, l2)
        XCTAssertTrue(zip(w1, w2).allSatisfy { $0.bitEqual($1) })
    }

    /// FedBuff computes a launched client's training when its end is reached, together with every
    /// other one launched meanwhile (`Federation.postpone`): the same timeline, weights and losses
    /// as training each client alone the moment it starts, with the router bursts of CoMiGS's
    /// alternating schedule timed from FLOPs measured before; and clients do train together.
    func testAsyncDeferredTrainingIsTheSequentialResult() throws {
        /// The federation's hooks, training at once (`compute`, never `postpone`) or recording how
        /// many clients each deferred computation held.
        final class Hooks: SimulationNumerics {
            let fed: Federation, immediate: Bool
            var together: [Int] = []
            init(_ fed: Federation, immediate: Bool) { (self.fed, self.immediate) = (fed, immediate) }
            func train(_ work: [(client: Int, steps: Int)], round: Int) -> [Double] {
                immediate ? fed.compute(work, rounds: work.map { _ in round }) : fed.train(work, round: round)
            }
            func aggregate(_ o: RoundOutcome) { fed.aggregate(o) }
            func launch(_ ids: [Int]) { fed.launch(ids) }
            func trainingDone(_ i: Int) {
                if fed.deferred.contains(where: { $0.client == i }) { together.append(fed.deferred.count) }
                fed.trainingDone(i)
            }
            func uploaded(_ i: Int, weight: Double) { fed.uploaded(i, weight: weight) }
        }
        let schedule = RouterSchedule(every: 3, iters: 2)
        for strategy in [FedAvg(rank: 4, experts: 2), CoMiGS(rank: 4, schedule: schedule)] as [any CollaborationStrategy] {
            func run(immediate: Bool, workers: Int) throws -> ([String], [Tensor], [Double], [Int]) {
                let fed = try federation(strategy, workers: workers, steps: 2, rounds: 8, server: .fedBuff)
                let hooks = Hooks(fed, immediate: immediate)
                let (_, lines) = try simulate(fed, rounds: 8, steps: 2, policy: .async(buffer: 2, maxStaleness: 4), numerics: hooks)
                let weights = (0..<fed.count).flatMap { fed.parameters($0).filter { $0.requiresGrad }.map(\.value) }
                return (lines, weights, fed.evaluate().map(\.loss), hooks.together)
            }
            let (l0, w0, e0, _) = try run(immediate: true, workers: 1)
            let (l1, w1, e1, t1) = try run(immediate: false, workers: 1), (l2, w2, e2, t2) = try run(immediate: false, workers: 2)
            let name = "\(type(of: strategy))"
            XCTAssertEqual(l0, l1, name)
            XCTAssertEqual(l0, l2, name)
            XCTAssertEqual(e0, e1, name)
            XCTAssertEqual(e0, e2, name)
            XCTAssertTrue(zip(w0, w1).allSatisfy { $0.bitEqual($1) }, name)
            XCTAssertTrue(zip(w0, w2).allSatisfy { $0.bitEqual($1) }, name)
            XCTAssertEqual(t1, t2, "\(name): what trains together does not depend on the workers")
            XCTAssertGreaterThan(t1.count, 3, "\(name): launches after the first were deferred")
            XCTAssertGreaterThan(t1.max() ?? 0, 1, "\(name): deferred clients were computed together")
            XCTAssertTrue(l0.contains { $0.contains("upload_done") }, name)
        }
    }

    /// Training through the simulator lowers every client's test loss.
    func testNumericRunsLearn() throws {
        let fed = try federation(FedAvg(rank: 4), workers: 2, steps: 8, rounds: 3)
        let before = fed.evaluate().map(\.loss)
        _ = try simulate(fed, rounds: 3, steps: 8)
        let after = fed.evaluate().map(\.loss)
        for i in 0..<4 { XCTAssertLessThan(after[i], before[i], "client \(i)") }
    }
}
