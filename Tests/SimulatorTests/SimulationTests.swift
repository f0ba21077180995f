import XCTest
@testable import Simulator
import Tensor

/// Round policies, stragglers and dropouts against hand-computed timelines.
final class SimulationTests: XCTestCase {
    /// 1 GFLOP/s, 1 MB/s down, 0.5 MB/s up; 10 steps of 0.1 GFLOP; 2 MB down, 1 MB up:
    /// download 2 s + compute 1 s + upload 2 s = 5 s. Client 2 computes at half speed: 6 s.
    func clients() -> [SimClient] {
        let fast = DeviceProfile(name: "t", flops: 1e9, memory: 1 << 30, upload: 0.5e6, download: 1e6)
        var slow = fast
        slow.flops = 0.5e9
        return [fast, fast, slow].map { SimClient(device: $0, stepFlops: 1e8, localSteps: 10, uploadBytes: 1_000_000, downloadBytes: 2_000_000) }
    }

    func run(_ policy: RoundPolicy, k: Int? = nil, rounds: Int = 1, clients c: [SimClient]? = nil,
             dropout: Dropout = Dropout(), straggler: Straggler = .none) throws -> ([RoundOutcome], [TimelineEvent]) {
        let sim = Simulation(clients: c ?? clients(), config: SimulationConfig(rounds: rounds, clientsPerRound: k, policy: policy,
                                                                              straggler: straggler, dropout: dropout, seed: 7))
        var events: [TimelineEvent] = []
        sim.onEvent = { events.append($0) }
        return (try sim.run(), events)
    }

    /// One round under `policy` with numerics that record what each round trains (and return
    /// the cost model's FLOPs), and the bytes downloaded as a run counts them (per download_done).
    struct Recorded {
        final class Training: SimulationNumerics {
            let clients: [SimClient]
            var rounds: [[Int: Int]] = []
            init(_ clients: [SimClient]) { self.clients = clients }
            func train(_ work: [(client: Int, steps: Int)], round: Int) -> [Double] {
                rounds.append(Dictionary(uniqueKeysWithValues: work.map { ($0.client, $0.steps) }))
                return work.map { clients[$0.client].flops(steps: $0.steps, after: 0) }
            }
            func aggregate(_ outcome: RoundOutcome) {}
        }
        var out: [RoundOutcome], events: [TimelineEvent] = [], trained: [[Int: Int]], stepsDone: [Int], downloadBytes: Int

        init(_ policy: RoundPolicy, clients: [SimClient]) throws {
            let sim = Simulation(clients: clients, config: SimulationConfig(rounds: 1, policy: policy, seed: 7))
            let training = Training(clients)
            sim.numerics = training
            var events: [TimelineEvent] = []
            sim.onEvent = { events.append($0) }
            out = try sim.run()
            self.events = events
            trained = training.rounds
            stepsDone = sim.stepsDone
            downloadBytes = events.filter { $0.kind == .downloadDone }.reduce(0) { $0 + clients[$1.client].downloadBytes }
        }
    }

    func testSyncRoundLastsAsLongAsTheSlowestClient() throws {
        let (out, events) = try run(.sync, rounds: 2)
        XCTAssertEqual(out[0].end, 6_000_000)
        XCTAssertEqual(out[0].arrived.map(\.client), [0, 1, 2])
        XCTAssertEqual(out[0].arrived.map(\.weight), [1.0 / 3, 1.0 / 3, 1.0 / 3])
        XCTAssertEqual(out[1].start, 6_000_000)
        XCTAssertEqual(out[1].end, 12_000_000)
        let c2 = events.filter { $0.client == 2 && $0.round == 0 }.map { "\($0.kind.rawValue)@\($0.time)" }
        XCTAssertEqual(c2, ["download_done@2000000", "training_done@4000000", "upload_done@6000000"])
        XCTAssertEqual(events.first?.kind, .roundStart)
        XCTAssertEqual(events.filter { $0.kind == .aggregation }.map(\.time), [6_000_000, 12_000_000])
    }

    func testDeadlineDropsExactlyTheLateClients() throws {
        let (out, events) = try run(.deadline(seconds: 5.5, partial: false))
        XCTAssertEqual(out[0].arrived.map(\.client), [0, 1])
        XCTAssertEqual(out[0].dropped, [2])
        XCTAssertEqual(out[0].end, 5_500_000)
        XCTAssertFalse(events.contains { $0.client == 2 && $0.kind == .uploadDone })
        XCTAssertEqual(out[0].arrived.map(\.weight), [0.5, 0.5], "weights re-normalised over arrivals")
    }

    /// Partial: client 2 has 5.5 − 2 − 2 = 1.5 s for 0.2 s steps: 7 steps, arriving at 2 + 1.4 + 2 = 5.4 s.
    func testPartialDeadlineSendsTheStepsThatFit() throws {
        let (out, _) = try run(.deadline(seconds: 5.5, partial: true))
        XCTAssertEqual(out[0].arrived.map(\.client), [0, 1, 2])
        XCTAssertEqual(out[0].arrived.map(\.steps), [10, 10, 7])
        XCTAssertEqual(out[0].arrived[2].arrival, 5_400_000)
        XCTAssertEqual(out[0].end, 5_400_000)
    }

    /// 4.05 s leaves 0.05 s after the transfers: no client fits one step (0.1 s, 0.2 s). Each is
    /// timed as without `partial`: it downloads (2 s), trains (until 3 s, 4 s) and is dropped
    /// at the deadline, which ends the round; nothing trains and no step counts.
    func testPartialDeadlineWhereNobodyFitsIsTheRoundWithoutPartial() throws {
        let partial = try Recorded(.deadline(seconds: 4.05, partial: true), clients: clients())
        let plain = try Recorded(.deadline(seconds: 4.05, partial: false), clients: clients())
        XCTAssertEqual(partial.out, plain.out)
        XCTAssertEqual(partial.out[0].end, 4_050_000)
        XCTAssertEqual(partial.out[0].dropped, [0, 1, 2])
        XCTAssertEqual(partial.events.map(\.jsonLine), plain.events.map(\.jsonLine))
        XCTAssertEqual(partial.events.filter { $0.kind == .dropped }.map(\.time), [4_050_000, 4_050_000, 4_050_000])
        XCTAssertEqual(partial.downloadBytes, plain.downloadBytes)
        XCTAssertEqual(partial.downloadBytes, 3 * 2_000_000)
        XCTAssertEqual(partial.trained, [[:]], "dropped without a step: nothing trains")
        XCTAssertEqual(plain.trained, [[0: 10, 1: 10, 2: 10]])
        XCTAssertEqual(partial.stepsDone, [0, 0, 0])
    }

    /// 4.15 s leaves 0.15 s: one 0.1 s step for clients 0 and 1 (arriving at 4.1 s), none of
    /// client 2's 0.2 s steps. Client 2 is exactly as without `partial` — it downloads, trains
    /// until 4 s and is dropped at the deadline, so the round lasts until 4.15 s — but trains
    /// nothing; clients 0 and 1 send their step.
    func testPartialDeadlineChangesOnlyTheClientsThatFitAStep() throws {
        let partial = try Recorded(.deadline(seconds: 4.15, partial: true), clients: clients())
        let plain = try Recorded(.deadline(seconds: 4.15, partial: false), clients: clients())
        XCTAssertEqual(partial.out[0].arrived.map(\.client), [0, 1])
        XCTAssertEqual(partial.out[0].arrived.map(\.steps), [1, 1])
        XCTAssertEqual(partial.out[0].arrived.map(\.arrival), [4_100_000, 4_100_000])
        XCTAssertEqual(partial.out[0].dropped, [2])
        XCTAssertEqual(partial.out[0].end, 4_150_000)
        XCTAssertEqual(plain.out[0].dropped, [0, 1, 2])
        XCTAssertEqual(partial.out[0].end, plain.out[0].end)
        let two = { (r: Recorded) in r.events.filter { $0.client == 2 }.map(\.jsonLine) }
        XCTAssertEqual(two(partial), two(plain))
        XCTAssertEqual(partial.events.filter { $0.client == 2 }.map { "\($0.kind.rawValue)@\($0.time)" },
                       ["download_done@2000000", "training_done@4000000", "dropped@4150000"])
        XCTAssertEqual(partial.downloadBytes, plain.downloadBytes)
        XCTAssertEqual(partial.trained, [[0: 1, 1: 1]])
        XCTAssertEqual(partial.stepsDone, [1, 1, 0])
    }

    func testOverselectKeepsTheFirstK() throws {
        let (out, events) = try run(.overselect(extra: 1), k: 2)
        XCTAssertEqual(out[0].selected, [0, 1, 2])
        XCTAssertEqual(out[0].arrived.map(\.client), [0, 1])
        XCTAssertEqual(out[0].dropped, [2])
        XCTAssertEqual(out[0].end, 5_000_000)
        XCTAssertEqual(events.filter { $0.kind == .dropped }.map(\.time), [5_000_000])
    }

    /// Two clients, 1 s and 3 s per update (no traffic), buffer 2:
    /// t=1 c0 (staleness 0), t=2 c0 (0) → version 1; t=3 c1 (started at version 0: staleness 1,
    /// weight 1/√2) and c0 (started at version 1: staleness 0, weight 1) → version 2 with
    /// FedBuff's weights divided by the buffer size and not renormalised: 1/2 and (1/√2)/2.
    func testAsyncAppliesStalenessWeights() throws {
        let d = DeviceProfile(name: "t", flops: 1e9, memory: 1 << 30, upload: 1e6, download: 1e6)
        let cs = [SimClient(device: d, stepFlops: 1e8, localSteps: 10, uploadBytes: 0, downloadBytes: 0),
                  SimClient(device: d, stepFlops: 1e8, localSteps: 30, uploadBytes: 0, downloadBytes: 0)]
        let (out, _) = try run(.async(buffer: 2, maxStaleness: 5), k: 2, rounds: 2, clients: cs)
        XCTAssertEqual(out.map(\.end), [2_000_000, 3_000_000])
        XCTAssertEqual(out[0].arrived.map(\.client), [0, 0])
        XCTAssertEqual(out[1].arrived.map(\.client), [0, 1])
        let w = 1 / 2.0.squareRoot()
        XCTAssertEqual(out[1].arrived[0].weight, 1 / 2.0)
        XCTAssertEqual(out[1].arrived[1].weight, w / 2)
        XCTAssertEqual(out[1].arrived.map(\.version), [1, 0])
        // With max staleness 0 the stale update is dropped instead.
        let (strict, _) = try run(.async(buffer: 2, maxStaleness: 0), k: 2, rounds: 2, clients: cs)
        XCTAssertEqual(strict[1].dropped, [1])
        XCTAssertFalse(strict[1].arrived.contains { $0.client == 1 })
    }

    /// A client failing mid-round loses exactly its own update.
    func testMidRoundFailureRemovesExactlyThatUpdate() throws {
        let many = (0..<20).map { _ in clients()[0] }
        let (out, events) = try run(.sync, rounds: 3, clients: many, dropout: Dropout(failure: 0.3))
        var failures = 0
        for o in out {
            XCTAssertEqual(Set(o.arrived.map(\.client)).union(o.failed), Set(o.selected))
            XCTAssertTrue(Set(o.arrived.map(\.client)).isDisjoint(with: o.failed))
            for f in o.failed {
                let own = events.filter { $0.client == f && $0.round == o.round }
                XCTAssertEqual(own.last?.kind, .clientFailure)
                XCTAssertFalse(own.contains { $0.kind == .uploadDone })
                XCTAssertLessThanOrEqual(own.last!.time, o.start + 5_000_000)
            }
            XCTAssertEqual(o.arrived.reduce(0) { $0 + $1.weight }, 1, accuracy: 1e-12)
            failures += o.failed.count
        }
        XCTAssertGreaterThan(failures, 5)
        XCTAssertLessThan(failures, 35)
    }

    func testUnavailableClientsAreNotSelectedAndStragglersSlowDown() throws {
        let many = (0..<50).map { _ in clients()[0] }
        let (out, _) = try run(.sync, rounds: 4, clients: many, dropout: Dropout(unavailable: 0.4))
        let sizes = out.map(\.selected.count)
        XCTAssertTrue(sizes.allSatisfy { $0 > 15 && $0 < 45 }, "\(sizes)")
        XCTAssertNotEqual(Set(out[0].selected), Set(out[1].selected))
        let (slow, _) = try run(.sync, clients: many, straggler: .fixed(probability: 0.5, factor: 4))
        // Compute 1 s × 4 for a straggler: 2 + 4 + 2 = 8 s.
        XCTAssertEqual(slow[0].end, 8_000_000)
        XCTAssertEqual(Set(slow[0].arrived.map(\.slowdown)), [1, 4])
    }

    func testAvailabilityWindowsDelayTheRound() throws {
        var cs = clients()
        for i in cs.indices { cs[i].schedule = .window(AvailabilityWindow(period: 100_000_000, on: 10_000_000, phase: -20_000_000)) }
        // Phase −20 s: on during [20 s, 30 s) of every 100 s.
        let (out, _) = try run(.sync, rounds: 2, clients: cs)
        XCTAssertEqual(out[0].start, 20_000_000)
        XCTAssertEqual(out[0].end, 26_000_000)
        XCTAssertEqual(out[1].start, 26_000_000, "still inside the window")
        XCTAssertEqual(AvailabilityWindow(period: 100, on: 10, phase: -20).nextOn(after: 31), 120)
    }

    func testSameSeedSameTimeline() throws {
        let many = (0..<30).map { i in clients()[i % 3] }
        func timeline() throws -> [String] {
            try run(.deadline(seconds: 7, partial: true), k: 10, rounds: 5, clients: many, dropout: Dropout(unavailable: 0.1, failure: 0.1),
                straggler: .logNormal(sigma: 0.5)).1.map(\.jsonLine)
        }
        XCTAssertEqual(try timeline(), try timeline())
    }
}

/// Issue 13: runs always end; partial deadlines plan with the real cost of each round's steps.
final class LostAndLateTests: XCTestCase {
    let d = DeviceProfile(name: "t", flops: 1e9, memory: 1 << 30, upload: 1e6, download: 1e6)

    /// No update can ever arrive (every client fails): the async run stops at once, proven from
    /// the settings, says why, and its timeline holds only the start instead of growing until the
    /// disk is full.
    func testAsyncRunWithNoPossibleUpdateStops() throws {
        let cs = (0..<3).map { _ in SimClient(device: d, stepFlops: 1e8, localSteps: 2, uploadBytes: 0, downloadBytes: 0) }
        let sim = Simulation(clients: cs, config: SimulationConfig(rounds: 5, policy: .async(buffer: 2, maxStaleness: 5),
                                                                   dropout: Dropout(failure: 1), seed: 1))
        var events = 0
        sim.onEvent = { _ in events += 1 }
        let out = try sim.run()
        XCTAssertTrue(out.isEmpty)
        XCTAssertEqual(sim.stalled, "no update can ever reach the server: every round fails (failure probability 1) "
                       + "(version 0 of 5, simulated time 0.0 s)")
        XCTAssertEqual(events, 1, "the round start only")
        // The same clients under sync finish: every round ends with nothing arrived.
        let sync = Simulation(clients: cs, config: SimulationConfig(rounds: 5, dropout: Dropout(failure: 1), seed: 1))
        XCTAssertEqual(try sync.run().map(\.arrived.count), [0, 0, 0, 0, 0])
        XCTAssertNil(sync.stalled)
    }

    /// A trace of 1 s active stretches, rounds of 2.5 s: no round can ever finish, so the async
    /// run stops at once with the proof, naming a client and both lengths.
    func testAsyncRunThatNoActiveStretchHoldsStopsAtOnce() throws {
        var c = SimClient(device: d, stepFlops: 1e9, localSteps: 2, uploadBytes: 250_000, downloadBytes: 250_000)
        c.schedule = .trace(AvailabilityTrace(period: 3_600_000_000, intervals: [0..<1_000_000, 1_800_000_000..<1_800_500_000]))
        let sim = Simulation(clients: [c, c], config: SimulationConfig(rounds: 3, policy: .async(buffer: 1, maxStaleness: 5),
                                                                       straggler: .fixed(probability: 0.5, factor: 3), seed: 1))
        XCTAssertTrue(try sim.run().isEmpty)
        XCTAssertEqual(sim.stalled, "no update can ever reach the server: 2 client(s) are never on long enough for a round (client 0: "
                       + "its longest active stretch is 1.0 s, its round takes at least 2.5 s) (version 0 of 3, simulated time 0.0 s)")
        // The same clients with a stretch that holds a round finish.
        var long = c
        long.schedule = .trace(AvailabilityTrace(period: 3_600_000_000, intervals: [0..<2_500_000]))
        let ok = Simulation(clients: [c, long], config: SimulationConfig(rounds: 3, policy: .async(buffer: 1, maxStaleness: 5), seed: 1))
        XCTAssertEqual(try ok.run().count, 3)
        XCTAssertNil(ok.stalled)
    }

    /// A client whose next round carries a router burst that no active stretch holds: the first
    /// version arrives, then the run stops with the proof (its step count, which places the
    /// burst, cannot change again).
    func testAsyncRunStopsWhenTheNextRoundCanNoLongerFit() throws {
        var c = SimClient(device: d, stepFlops: 1e8, localSteps: 1, uploadBytes: 0, downloadBytes: 0, routerEvery: 2, routerBurstFlops: 1e9)
        c.schedule = .trace(AvailabilityTrace(period: 10_000_000, intervals: [0..<500_000]))
        let sim = Simulation(clients: [c], config: SimulationConfig(rounds: 4, policy: .async(buffer: 1, maxStaleness: 5), seed: 1))
        XCTAssertEqual(try sim.run().count, 1)
        XCTAssertEqual(sim.stalled, "no update can ever reach the server: 1 client(s) are never on long enough for a round (client 0: "
                       + "its longest active stretch is 0.5 s, its round takes at least 1.1 s) (version 1 of 4, simulated time 0.1 s)")
    }

    /// A night-long gap is waiting, not stalling: two devices on for 10 s at 27.8 h into every
    /// 48 h cycle, rounds of 4 s, buffer 1 — far more idle waits between updates than the count
    /// bound (1,300), yet the run finishes across several cycles.
    func testLongOffPeriodsInATraceAreNoStall() throws {
        var c = SimClient(device: d, stepFlops: 4e9, localSteps: 1, uploadBytes: 0, downloadBytes: 0)
        let hour: SimTime = 3_600_000_000
        c.schedule = .trace(AvailabilityTrace(period: 48 * hour, intervals: [100_000_000_000..<100_010_000_000]))
        let sim = Simulation(clients: [c, c], config: SimulationConfig(rounds: 10, policy: .async(buffer: 1, maxStaleness: 5), seed: 1))
        XCTAssertEqual(sim.stallBound(buffer: 1).rounds, 1300)
        XCTAssertEqual(sim.stallBound(buffer: 1).time, 1000 * 48 * hour)
        let out = try sim.run()
        XCTAssertNil(sim.stalled)
        XCTAssertEqual(out.count, 10)
        XCTAssertGreaterThan(out.last!.end, 2 * 48 * hour, "it waited through more than one gap")
    }

    /// The backstop: a livelock the proof cannot see. One slot; A (on [0, 100) s of every
    /// 200 s) needs 60 s, B (on from 190 s to 45 s) can never finish its 60 s. B always holds
    /// the slot when A's stretch opens and leaves at 45 s, too late for A, so after at most one
    /// update nothing arrives although A could; the run stops once both the count (1,300) and
    /// 1000 cycles (200,000 s) have passed.
    func testAsyncLivelockStopsAtTheBackstop() throws {
        var a = SimClient(device: d, stepFlops: 6e10, localSteps: 1, uploadBytes: 0, downloadBytes: 0), b = a
        let s: SimTime = 1_000_000
        a.schedule = .trace(AvailabilityTrace(period: 200 * s, intervals: [0..<100 * s]))
        b.schedule = .trace(AvailabilityTrace(period: 200 * s, intervals: [0..<45 * s, 190 * s..<200 * s]))
        let sim = Simulation(clients: [a, b], config: SimulationConfig(rounds: 3, clientsPerRound: 1, policy: .async(buffer: 1, maxStaleness: 5),
                                                                       seed: 1))
        let out = try sim.run()
        XCTAssertLessThanOrEqual(out.count, 1)
        XCTAssertTrue(sim.stalled?.hasPrefix("no update reached the server in 1300 client rounds or idle waits in a row and 55.6 h of "
                                             + "simulated time (1000 cycles of the longest availability period)") ?? false, sim.stalled ?? "nil")
        XCTAssertGreaterThanOrEqual(sim.now, 1000 * 200 * s)
        XCTAssertLessThan(sim.now, 1100 * 200 * s, "it stops soon after both bounds")
    }

    /// Router bursts after every 3rd step: the FLOPs of n steps count the bursts among them.
    func testStepCostCountsRouterBursts() throws {
        let c = SimClient(device: d, stepFlops: 1e8, localSteps: 1, uploadBytes: 0, downloadBytes: 0, routerEvery: 3, routerBurstFlops: 5e8)
        XCTAssertEqual((0..<6).map { c.flops(steps: 1, after: $0) }, [1e8, 1e8, 6e8, 1e8, 1e8, 6e8])
        XCTAssertEqual(c.flops(steps: 4, after: 1), 4e8 + 5e8)
    }

    /// Partial deadline 0.65 s, 1 step of 0.1 s per round, a 0.5 s router burst after every
    /// 3rd step, 0.1 s of transfer: rounds 1 and 2 train one step each; round 3's step carries
    /// the burst (0.1 + 0.6 s > 0.65 s), so it is planned as not fitting and dropped at the
    /// deadline, with no step counted (and so is round 4's). The amortised cost (0.1 + 0.5/3 s)
    /// would have planned it to fit and let it overshoot.
    func testPartialDeadlinePlansWithTheBurstItsStepsCarry() throws {
        let sim = burstRun(rounds: 4)
        let out = try sim.run()
        XCTAssertEqual(out.map { $0.arrived.map(\.client) }, [[0], [0], [], []])
        XCTAssertEqual(out.map(\.dropped), [[], [], [0], [0]])
        XCTAssertEqual(out[2].end - out[2].start, 650_000, "timed as without partial: dropped at the deadline")
        XCTAssertEqual(sim.stepsDone, [2])
    }

    /// The run above, partial deadline 0.65 s.
    func burstRun(rounds: Int) -> Simulation {
        let c = SimClient(device: d, stepFlops: 1e8, localSteps: 1, uploadBytes: 50_000, downloadBytes: 50_000, routerEvery: 3,
                          routerBurstFlops: 5e8)
        return Simulation(clients: [c], config: SimulationConfig(rounds: rounds, policy: .deadline(seconds: 0.65, partial: true), seed: 1))
    }

    /// Resumed at the boundary after a round whose client fitted no step (as a checkpoint does:
    /// time, event count, steps), the run goes on exactly as the uninterrupted one: the dropped
    /// client leaves nothing in flight.
    func testResumeAfterARoundWithoutAFittingStepIsTheSameRun() throws {
        let full = burstRun(rounds: 5)
        var events: [String] = []
        full.onEvent = { events.append($0.jsonLine) }
        let out = try full.run()
        for done in [3, 4] {
            let first = burstRun(rounds: done)
            _ = try first.run()
            let rest = burstRun(rounds: 5)
            var tail: [String] = []
            rest.onEvent = { tail.append($0.jsonLine) }
            XCTAssertEqual(try rest.run(after: done, now: first.now, events: first.eventCount, stepsDone: first.stepsDone), Array(out[done...]))
            XCTAssertEqual(tail, Array(events.suffix(tail.count)), "after round \(done)")
            XCTAssertEqual(rest.eventCount, full.eventCount)
            XCTAssertEqual(rest.stepsDone, full.stepsDone)
        }
    }
}
