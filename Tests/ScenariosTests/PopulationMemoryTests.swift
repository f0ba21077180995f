import Foundation
import Simulator
import Tensor
import XCTest
@testable import Experiments

/// Memory grows with what works, not with what exists: a numeric CoMiGS run of 500 clients may
/// peak above one of 100 by at most 400 × (an idle client's own state + a margin). An idle
/// client's own state is its private adapters and routers (the specialist's LoRA and the routers,
/// float32); what it shares is the server's broadcast, held once; its optimizer moments exist
/// only once it trained; the frozen base and the activation buffers are the workers'. The margin,
/// 64 KiB a client, covers its data (2,000 tokens, 4 bytes and an origin byte each), counters
/// and object headers. Each run is its own `comigs run` process; its peak is `provenance.json`'s
/// `peak_memory_mib`. Before clients shared the base and borrowed a worker's model, a client
/// cost about 19 MB here.
final class PopulationMemoryTests: ScratchFolderTestCase {
    static let margin = 64 * 1024

    func scenario(clients: Int) -> String {
        """
        {"name": "population-\(clients)", "rounds": 1, "local_steps": 2, "batch": 16, "eval_every": 1, "eval_clients": 10,
         "checkpoint_every": 0, "outputs": {"save_adapters": false},
         "model": {"base": "\(packageRoot)/models/synthetic-byte-tiny.safetensors"},
         "data": {"source": "synthetic", "synthetic": {"tokens": 2000}},
         "clients": \(clients), "method": {"name": "comigs"}, "policy": {"clients_per_round": 10}}
        """
    }

    /// The peak resident memory of `comigs run` on `clients` clients, bytes.
    func peak(clients: Int) throws -> Double {
        let file = dir + "/population-\(clients).json", out = dir + "/runs-\(clients)"
        try scenario(clients: clients).write(toFile: file, atomically: true, encoding: .utf8)
        let r = try comigs(["run", file, "--out", out, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let run = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out).first)
        let provenance = try JSON.parse(try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(run)/provenance.json")))
        return try XCTUnwrap(provenance["sessions"]?.arrayValue?.last?["peak_memory_mib"]?.doubleValue) * 1_048_576
    }

    /// Bytes of client 0's parameters that are its own and not shared, as the scenario builds them.
    func ownStateBytes() throws -> Int {
        let s = try Scenario.make(try JSON.parse(Data(scenario(clients: 10).utf8)))
        let strategy = s.config.strategy
        let base = try Checkpoint.load(packageRoot + "/models/synthetic-byte-tiny.safetensors")
        let model = try GPT(adapters: strategy.adapters(client: 0), rng: RNG(seed: 0, stream: "adapters"), base: base)
        return 4 * model.parameters(where: { $0 != .base && !strategy.shares($0) }).reduce(0) { $0 + $1.value.count }
    }

    /// Loading clients' splits on demand and dropping them at once (`data.resident_mib` 0), and any
    /// number of workers, change no output byte.
    func testOnDemandDataAndWorkersChangeNoByte() throws {
        let given = try JSON.parse(Data(scenario(clients: 40).utf8))
        var outputs: [[Data]] = []
        for (workers, resident) in [(1, 1024), (2, 0), (4, 0)] {
            let s = try Scenario.make(given, overrides: ["rounds=2", "data.resident_mib=\(resident)"])
            let folder = try ScenarioRun.start(s, seed: 0, out: dir + "/w\(workers)", workers: workers, quiet: true)
            outputs.append(try ["metrics.jsonl", "routing.jsonl", "rounds.jsonl", "events.jsonl", "summary.json"].map {
                try Data(contentsOf: URL(fileURLWithPath: folder.file($0)))
            })
        }
        XCTAssertEqual(outputs[1], outputs[0])
        XCTAssertEqual(outputs[2], outputs[0])
    }

    func testPeakMemoryGrowsByAClientsOwnStatePerClient() throws {
        let own = try ownStateBytes()
        XCTAssertGreaterThan(own, 100_000, "the specialist and routers of the tiny base at the default rank")
        let small = try peak(clients: 100), large = try peak(clients: 500)
        let perClient = (large - small) / 400
        XCTAssertLessThanOrEqual(perClient, Double(own + Self.margin),
                                 "peak memory grew \(Int(perClient)) bytes a client; an idle client owns \(own) (+ \(Self.margin) margin)")
    }
}
