import XCTest
@testable import Experiments
import Simulator
import Tensor

/// The decoder is the one reader of scenario keys: over scenarios that take every branch, it
/// reads exactly the key table, and each key lands in its typed field.
final class ScenarioConfigTests: XCTestCase {
    /// Scenarios that between them take every branch of the decoder (policies, straggler kinds,
    /// listed clients with a window, populations by trace and by shares, a prepared folder).
    static let branches = [
        #"""
        {"label": "L", "target_ppl": 40, "data": {"source": "folder", "path": "data/x"},
         "policy": {"name": "deadline", "deadline_s": 7, "partial": true},
         "heterogeneity": {"straggler": {"kind": "fixed", "probability": 0.2, "factor": 3}},
         "method": {"name": "fedavg-moe", "experts": 3, "top_k": 2},
         "clients": [{"name": "a", "device": "low", "gflops": 2, "memory_mib": 900, "upload_mbps": 3, "download_mbps": 9,
                      "availability": 0.5, "window": {"period_s": 100, "on_s": 40, "phase_s": 5}}, {}]}
        """#,
        #"""
        {"policy": {"name": "overselect", "extra": 1, "clients_per_round": 3}, "heterogeneity": {"straggler": {"kind": "lognormal", "sigma": 0.7}},
         "clients": {"count": 5, "trace": "devices.csv", "availability": "on.csv", "replace": false, "seed": 3}}
        """#,
        #"""
        {"policy": {"name": "async", "buffer": 3, "max_staleness": 2}, "method": {"name": "fedavg"},
         "clients": {"count": 10, "classes": {"low": 0.5, "mid": 0.25, "high": 0.25}}}
        """#,
    ]

    func testTheDecoderReadsExactlyTheKeyTable() throws {
        let log = ScenarioDecoder.ReadLog()
        for text in Self.branches {
            let s = try Scenario.make(try JSON.parse(text))
            _ = try ScenarioDecoder(s.resolved, log: log).decode()
        }
        let table = Set(ScenarioKeys.all.map(\.path))
        XCTAssertEqual(table.subtracting(log.paths).sorted(), [], "keys of the table the decoder never reads")
        XCTAssertEqual(log.paths.subtracting(table).sorted(), [], "paths the decoder reads that the table does not have")
    }

    func testEachKeyLandsInItsField() throws {
        let a = try Scenario.make(try JSON.parse(Self.branches[0])).config
        XCTAssertEqual(a.label, "L")
        XCTAssertEqual(a.schedule.targetPPL, 40)
        XCTAssertEqual(a.policy.round, .deadline(seconds: 7, partial: true))
        XCTAssertEqual(a.heterogeneity.straggler, .fixed(probability: 0.2, factor: 3))
        XCTAssertEqual(a.method.name, "fedavg-moe")
        XCTAssertEqual(a.experts(client: 1), 3)
        XCTAssertEqual(a.method.topK, 2)
        guard case .folder(let path) = a.data else { return XCTFail("folder data") }
        XCTAssertEqual(path, "data/x")
        let c = a.listedClients[0]
        XCTAssertEqual(c.name, "a")
        XCTAssertEqual(c.device.flops, 2e9)
        XCTAssertEqual(c.device.memory, 900 * 1_048_576)
        XCTAssertEqual(c.device.upload, 3e6 / 8)
        XCTAssertEqual(c.device.download, 9e6 / 8)
        XCTAssertEqual(c.device.availability, 0.5)
        XCTAssertEqual(c.window?.schedule, .window(AvailabilityWindow(period: 100_000_000, on: 40_000_000, phase: 5_000_000)))
        XCTAssertNil(a.listedClients[1].window)
        XCTAssertEqual(a.listedClients[1].device, .mid)

        let b = try Scenario.make(try JSON.parse(Self.branches[1])).config
        XCTAssertEqual(b.policy.round, .overselect(extra: 1))
        XCTAssertEqual(b.heterogeneity.straggler, .logNormal(sigma: 0.7))
        guard case .population(let p) = b.clients, case .trace(let devices, let on, let replace) = p.source else { return XCTFail("trace population") }
        XCTAssertEqual([devices, on], ["devices.csv", "on.csv"])
        XCTAssertFalse(replace)
        XCTAssertEqual(p.seed, 3)
        XCTAssertEqual(b.clientCount, 5)

        let c3 = try Scenario.make(try JSON.parse(Self.branches[2])).config
        XCTAssertEqual(c3.policy.round, .async(buffer: 3, maxStaleness: 2))
        guard case .population(let q) = c3.clients, case .classes(let shares) = q.source else { return XCTFail("class shares") }
        XCTAssertEqual(shares, [0.5, 0.25, 0.25])
    }

    /// Each method's rules come from its descriptor: the registry lists every method once, and
    /// the scenario's expert counts and per-client settings follow what the descriptor says.
    func testMethodDescriptorsDecideTheScenarioRules() throws {
        XCTAssertEqual(Set(MethodRegistry.names).count, MethodRegistry.all.count)
        for d in MethodRegistry.all {
            XCTAssertEqual(d.make().name, d.name)
            let given = try? Scenario.make(try JSON.parse(#"{"method": {"name": "\#(d.name)", "experts": 3}}"#))
            XCTAssertEqual(given != nil, d.expertsAreFree, d.name)
            let ranks = try? Scenario.make(try JSON.parse(#"{"method": {"name": "\#(d.name)", "rank": [4, 8, 8, 8]}}"#))
            XCTAssertEqual(ranks != nil, d.perClientRanks, d.name)
            let specialists = try? Scenario.make(try JSON.parse(#"{"method": {"name": "\#(d.name)", "specialists": [1, 2, 1, 1]}}"#))
            XCTAssertEqual(specialists != nil, d.hasSpecialists, d.name)
        }
        XCTAssertEqual(MethodRegistry.all.filter(\.pooled).map(\.name), ["centralized"])
    }
}
