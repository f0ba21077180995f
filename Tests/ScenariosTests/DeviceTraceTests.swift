import Foundation
import Simulator
import Tensor
import XCTest
@testable import Experiments

/// Issue 17 §1: device traces (our CSV format), FedScale's pickles converted to it, and
/// 1,000-client cost-only populations from a trace and by class shares.
final class DeviceTraceTests: XCTestCase {
    static let header = DeviceTrace.deviceHeader.joined(separator: ",") + "\n"
    static let intervalsHeader = DeviceTrace.availabilityHeader.joined(separator: ",") + "\n"

    func write(_ text: String, _ dir: String, _ name: String) throws -> String {
        let path = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Units: GFLOP/s → FLOP/s, Mbit/s (10^6) → bytes/s, MiB → bytes, seconds → µs; CRLF line
    /// ends, a byte-order mark and a missing final newline are read; a device without intervals is always on.
    func testReadsDevicesAndIntervalsInTheirUnits() throws {
        let dir = try temporaryDirectory("trace-read")
        let devices = try write("\u{FEFF}" + Self.header + "p1,12.5,2,16,1536\r\nq2,100,30,200,6144", dir, "d.csv")
        let intervals = try write(Self.intervalsHeader + "p1,86400,0,3600.5\np1,86400,7200,86400\n", dir, "a.csv")
        let t = try DeviceTrace.read(devices: devices, availability: intervals)
        XCTAssertEqual(t.devices, [DeviceProfile(name: "p1", flops: 12.5e9, memory: 1536 << 20, upload: 250_000, download: 2_000_000),
                                   DeviceProfile(name: "q2", flops: 100e9, memory: 6144 << 20, upload: 3_750_000, download: 25_000_000)])
        XCTAssertEqual(t.availability, [AvailabilityTrace(period: 86_400_000_000, intervals: [0..<3_600_500_000, 7_200_000_000..<86_400_000_000]), nil])
    }

    /// Every malformed trace names the scenario key, the file, the line and the column.
    func testTraceErrorsNameFileLineAndColumn() throws {
        let dir = try temporaryDirectory("trace-errors")
        let good = Self.header + "a,10,2,10,1536\nb,30,11,50,3072\n"
        let devices: [(String, String)] = [
            ("", "line 1: expected the header device_id,gflops,upload_mbps,download_mbps,memory_mib, got \"\""),
            ("device_id,gflops,upload_mbps,download_mbps\n", "line 1: expected the header"),
            (Self.header, "no device, only the header"),
            (Self.header + "a,1,2,3\n", "line 2: 4 fields, the header has 5"),
            (Self.header + "a,1,2,3,4,5\n", "line 2: 6 fields, the header has 5"),
            (Self.header + "a,x,2,3,4\n", "line 2, column 2 (gflops): expected a number, got \"x\""),
            (Self.header + "a,nan,2,3,4\n", "line 2, column 2 (gflops): expected a number, got \"nan\""),
            (Self.header + "a,0x10,2,3,4\n", "line 2, column 2 (gflops): expected a number"),
            (Self.header + "a,1, 2,3,4\n", "line 2, column 3 (upload_mbps): expected a number, got \" 2\""),
            (Self.header + "a,0,2,3,4\n", "line 2, column 2 (gflops): 0 is out of range [0.001, 1000000]"),
            (Self.header + "a,1,2,3e7,4\n", "line 2, column 4 (download_mbps): 3e7 is out of range [0.001, 1000000]"),
            (Self.header + "a,1,2,3,0.5\n", "line 2, column 5 (memory_mib): 0.5 is out of range [1, 10000000]"),
            (Self.header + "a,1,2,3,1e400\n", "line 2, column 5 (memory_mib): 1e400 is out of range"),
            (good + "a,1,2,3,4\n", "line 4, column 1 (device_id): device \"a\" is listed twice"),
            (good + ",1,2,3,4\n", "line 4, column 1 (device_id): empty device id"),
            (good + " c,1,2,3,4\n", "line 4, column 1 (device_id): device id \" c\" holds a quote"),
            (good + "\"c\",1,2,3,4\n", "line 4, column 1 (device_id): device id"),
            (Self.header + "a,1,2,3,4\n\nb,1,2,3,4\n", "line 3: blank line"),
        ]
        for (i, (text, reason)) in devices.enumerated() {
            let path = try write(text, dir, "d\(i).csv")
            assertError(try DeviceTrace.read(devices: path, availability: nil), key: "clients.trace", "\(path): \(reason)")
        }
        let devicesPath = try write(good, dir, "good.csv")
        let intervals: [(String, String)] = [
            ("z,100,0,10\n", "line 2, column 1 (device_id): device \"z\" is not in \(devicesPath)"),
            ("a,100,10,10\n", "line 2, column 4 (end_s): the interval ends at or before its start"),
            ("a,100,10,101\n", "line 2, column 4 (end_s): the interval ends after the period"),
            ("a,0,0,0\n", "line 2, column 2 (period_s): the period must be positive"),
            ("a,100,-1,10\n", "line 2, column 3 (start_s): -1 is out of range [0, 1000000000.0]"),
            ("a,100,0,10\na,100,5,20\n", "line 3, column 3 (start_s): the interval starts before the device's previous one ends"),
            ("a,100,0,10\na,200,20,30\n", "line 3, column 2 (period_s): the device's period changed"),
            ("a,100,0,10\nb,100,0,10\na,100,20,30\n", "line 4, column 1 (device_id): device \"a\"'s rows are not consecutive"),
            ("a,100,0\n", "line 2: 3 fields, the header has 4"),
        ]
        for (i, (text, reason)) in intervals.enumerated() {
            let path = try write(Self.intervalsHeader + text, dir, "a\(i).csv")
            assertError(try DeviceTrace.read(devices: devicesPath, availability: path), key: "clients.availability", "\(path): \(reason)")
        }
        assertError(try DeviceTrace.read(devices: dir + "/missing.csv", availability: nil), key: "clients.trace", "missing.csv: no such file")
        let latin1 = dir + "/latin1.csv"
        try (Data(Self.header.utf8) + Data([0x63, 0x61, 0x66, 0xE9, 0x2C, 0x31, 0x2C, 0x31, 0x2C, 0x31, 0x2C, 0x31, 0x0A])).write(to: URL(fileURLWithPath: latin1))
        assertError(try DeviceTrace.read(devices: latin1, availability: nil), key: "clients.trace", "not UTF-8 text")
    }

    func assertError(_ body: @autoclosure () throws -> Any, key: String, _ reason: String, line: UInt = #line) {
        do {
            _ = try body()
            XCTFail("accepted; expected \(reason)", line: line)
        } catch let e as ScenarioError {
            XCTAssertEqual(e.key, key, line: line)
            XCTAssertTrue(e.reason.contains(reason), "\(e.reason)\n  does not contain \(reason)", line: line)
        } catch {
            XCTFail("\(error)", line: line)
        }
    }

    /// python3 from the system (the converter uses its standard library only) on `args`, each one word.
    func python(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        guard try shell("command -v python3").status == 0 else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("python3 missing") }
            throw XCTSkip("python3 missing")
        }
        return try execute(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + args, cwd: packageRoot)
    }

    func converter(_ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try python([packageRoot + "/scripts/fedscale-to-trace.py"] + args)
    }

    /// The converter turns the FedScale-layout fixture (Tests/Fixtures/fedscale, its generate.py)
    /// into exactly the committed trace, and a cost-only run on it puts the trace's values in the
    /// timeline: a 100 Mbit/s device downloads at 12.5 MB/s, devices active in [0, 1) ∪ [100, 1000)
    /// of a 1000 s cycle leave at 1 s (offline) and do nothing until 100 s, and the device active
    /// in [10, 30) ∪ [50, 80) of an 80 s cycle only ever acts inside those intervals.
    func testFedScaleConverterAndARunOnItsTrace() throws {
        let dir = try temporaryDirectory("fedscale")
        let fixture = packageRoot + "/Tests/Fixtures/fedscale"
        let r = try converter(["--capacity", fixture + "/client_device_capacity", "--behave", fixture + "/client_behave_trace",
                               "--out", dir + "/trace"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("5 devices, 8 active intervals; intervals clipped 1, empty 0, merged 1"), r.stderr)
        for name in ["devices.csv", "availability.csv"] {
            XCTAssertEqual(try String(contentsOfFile: "\(dir)/trace/\(name)", encoding: .utf8),
                           try String(contentsOfFile: "\(fixture)/expected/\(name)", encoding: .utf8), name)
        }

        let scenario = try write("""
            {"name": "fixture", "numerics": false, "rounds": 15, "method": {"name": "fedavg"},
             "clients": {"count": 5, "trace": "\(dir)/trace/devices.csv", "availability": "\(dir)/trace/availability.csv", "replace": false}}
            """, dir, "s.json")
        let run = try comigs(["run", scenario, "--out", dir + "/runs", "--quiet"], cwd: packageRoot)
        XCTAssertEqual(run.status, 0, run.stderr)
        let folder = run.stdout.trimmingCharacters(in: .newlines)
        let lines = { (name: String) in
            try String(contentsOfFile: folder + "/" + name, encoding: .utf8).split(separator: "\n").map { try JSON.parse(Data($0.utf8)) }
        }
        let summary = try JSON.parse(Data(contentsOf: URL(fileURLWithPath: folder + "/summary.json")))
        let device = summary["clients"]!.arrayValue!.map { $0["device"]?.stringValue ?? "" }
        XCTAssertEqual(device.sorted(), ["1", "2", "3", "4", "5"], "without replacement: each device once")
        let client = { (d: String) in device.firstIndex(of: d)! }
        let events = try lines("events.jsonl"), rounds = try lines("rounds.jsonl")
        func int(_ v: JSON?) -> Int { Int(v?.doubleValue ?? -1) }
        func own(_ c: Int) -> [JSON] { events.filter { int($0["client"]) == c } }

        // Bandwidth: device 3 (100 Mbit/s) and device 2 (4 Mbit/s) download the round's bytes at their speed.
        for (d, bytesPerSecond) in [("3", 12.5e6), ("2", 0.5e6)] {
            let c = client(d)
            let first = rounds.first { $0["selected"]?.arrayValue?.contains(.int(c)) == true }!
            let down = int(first["bytes_per_client"]!.arrayValue!.first { int($0["client"]) == c }?["down"])
            let done = own(c).first { $0["event"]?.stringValue == "download_done" }!
            let start = Int((first["start_s"]!.doubleValue! * 1e6).rounded())
            XCTAssertEqual(int(done["t_us"]) - start, Int((Double(down) / bytesPerSecond * 1e6).rounded()), "device \(d)")
        }
        // Devices 1 and 4: offline at 1 s in round 0, nothing in [1 s, 100 s), back from 100 s.
        for d in ["1", "4"] {
            let c = client(d), mine = own(c)
            XCTAssertEqual(mine.first { $0["event"]?.stringValue == "offline" }.map { int($0["t_us"]) }, 1_000_000, "device \(d)")
            XCTAssertFalse(mine.contains { int($0["t_us"]) > 1_000_000 && int($0["t_us"]) < 100_000_000 }, "device \(d) acted while inactive")
            XCTAssertTrue(mine.contains { int($0["t_us"]) > 100_000_000 && $0["event"]?.stringValue == "upload_done" }, "device \(d) came back")
            XCTAssertEqual(rounds[0]["failed"]?.arrayValue?.contains(.int(c)), true, "device \(d)'s round-0 update is lost")
        }
        // Device 3 acts only inside (10, 30] or (50, 80] of its 80 s cycle.
        let three = own(client("3"))
        XCTAssertFalse(three.isEmpty)
        for e in three {
            let x = int(e["t_us"]) % 80_000_000
            XCTAssertTrue((10_000_001...30_000_000).contains(x) || (50_000_001...80_000_000).contains(x) || x == 0, "\(e.text())")
        }
    }

    /// FedScale values the loader would refuse as they stand, in folders whose names hold a space,
    /// '#', '?' and non-ASCII: a 0.5 kbit/s link (0.000512 Mbit/s), a 0.0006 GFLOP/s device and a
    /// 2·10⁹ s cycle are left out and named, an interval that rounding to µs empties is dropped,
    /// one whose rounding makes it touch the next is merged, a device left without intervals is
    /// counted, and the loader reads what remains to the µs. Bad arguments exit 2.
    func testFedScaleConverterWritesOnlyWhatTheLoaderTakes() throws {
        let dir = try temporaryDirectory("fedscale edge #1 ?é")
        let made = try python(["-c", """
            import pickle, sys
            capacity = {"ok": {"computation": 100, "communication": 1000}, "slow-link": {"computation": 100, "communication": 0.5},
                        "slow-cpu": {"computation": 5e6, "communication": 1000}, "edge": {"computation": 100, "communication": 0.9765625},
                        "never": {"computation": 100, "communication": 1000}, "long": {"computation": 100, "communication": 1000}}
            behave = {"ok": {"active": [10.0000001, 20, 30.4999996], "inactive": [10.0000003, 30.0000004, 40], "finish_time": 100},
                      "slow-link": {"active": [0], "inactive": [50], "finish_time": 100},
                      "slow-cpu": {"active": [0], "inactive": [50], "finish_time": 100},
                      "edge": {"active": [0, 50.0000004], "inactive": [49.9999996, 60], "finish_time": 100},
                      "never": {"active": [5.5], "inactive": [5.5000004], "finish_time": 100},
                      "long": {"active": [0], "inactive": [1], "finish_time": 2e9}}
            for name, data in [("capacity", capacity), ("behave", behave)]:
                with open(sys.argv[1] + "/" + name, "wb") as f:
                    pickle.dump(data, f, protocol=4)
            """, dir])
        XCTAssertEqual(made.status, 0, made.stderr)
        let out = dir + "/trace ü"
        let r = try converter(["--capacity", dir + "/capacity", "--behave", dir + "/behave", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stderr, """
            fedscale-to-trace: left out device slow-link: upload_mbps 0.000512 outside [0.001, 1000000], download_mbps 0.000512 outside [0.001, 1000000]
            fedscale-to-trace: left out device slow-cpu: gflops 0.0006 outside [0.001, 1000000]
            fedscale-to-trace: left out device long: period_s 2000000000 (behaviour entry 'long') outside (0, 1000000000]
            fedscale-to-trace: 2 devices, 3 active intervals; intervals clipped 0, empty 2, merged 1; devices out of range (left out) 3, never available (left out) 1

            """)
        XCTAssertEqual(try String(contentsOfFile: out + "/devices.csv", encoding: .utf8),
                       Self.header + "ok,30,1.024,1.024,3072\nedge,30,0.001,0.001,3072\n")
        XCTAssertEqual(try String(contentsOfFile: out + "/availability.csv", encoding: .utf8),
                       Self.intervalsHeader + "ok,100,20,30\nok,100,30.5,40\nedge,100,0,60\n")
        let trace = try DeviceTrace.read(devices: out + "/devices.csv", availability: out + "/availability.csv")
        XCTAssertEqual(trace.devices.map(\.upload), [128_000, 125])
        XCTAssertEqual(trace.availability, [AvailabilityTrace(period: 100_000_000, intervals: [20_000_000..<30_000_000, 30_500_000..<40_000_000]),
                                            AvailabilityTrace(period: 100_000_000, intervals: [0..<60_000_000])])

        for (args, message) in [(["--memory-mib", "2e7"], "--memory-mib: 2e+07 is outside the trace format's memory_mib range [1, 10000000]"),
                                (["--median-gflops", "0.0004"], "--median-gflops: 0.0004 is outside the trace format's gflops range [0.001, 1000000]"),
                                (["--capacity", dir + "/missing"], "\(dir)/missing: [Errno 2] No such file or directory: '\(dir)/missing'")] {
            let bad = try converter(["--capacity", dir + "/capacity", "--out", dir + "/bad"] + args)
            XCTAssertEqual(bad.status, 2, bad.stderr)
            XCTAssertEqual(bad.stderr, "fedscale-to-trace: \(message)\n")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad"))
    }

    /// The converter's copy of the loader's ranges is the loader's: the `clients[]` keys and
    /// `DeviceTrace.seconds`.
    func testFedScaleConverterRangesAreTheLoaders() throws {
        let r = try python(["-c", """
            import importlib.util, json, sys
            spec = importlib.util.spec_from_file_location("converter", sys.argv[1])
            m = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(m)
            print(json.dumps({**m.RANGES, "seconds": m.SECONDS}))
            """, packageRoot + "/scripts/fedscale-to-trace.py"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let ranges = try JSON.parse(r.stdout)
        func range(_ name: String) -> ClosedRange<Double>? {
            guard let bounds = ranges[name]?.arrayValue?.compactMap(\.doubleValue), bounds.count == 2 else { return nil }
            return bounds[0]...bounds[1]
        }
        for name in DeviceTrace.deviceHeader.dropFirst() {
            guard case .number(let loader) = ScenarioKeys.key("clients[].\(name)")!.type else { return XCTFail(name) }
            XCTAssertEqual(range(name), loader, name)
        }
        guard case .number(let seconds) = DeviceTrace.seconds else { return XCTFail("seconds") }
        XCTAssertEqual(range("seconds"), seconds)
        guard case .object(let members) = ranges else { return XCTFail(r.stdout) }
        XCTAssertEqual(members.count, DeviceTrace.deviceHeader.count, "four columns and the times")
    }

    /// The acceptance: a 1,000-client cost-only run from the committed trace and one by class
    /// shares both run, and their summaries list 1,000 clients (3 rounds here; the committed
    /// scenarios run 200, README "Device traces and populations").
    func testThousandClientPopulationsRun() throws {
        let dir = try temporaryDirectory("population-runs")
        let ids = Set(try String(contentsOfFile: packageRoot + "/scenarios/traces/example/devices.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) })
        XCTAssertEqual(ids.count, 50)
        for name in ["trace-1000", "classes-1000"] {
            let r = try comigs(["run", "scenarios/traces/\(name).json", "--set", "rounds=3", "--out", dir, "--quiet"], cwd: packageRoot)
            XCTAssertEqual(r.status, 0, r.stderr)
            let summary = try JSON.parse(Data(contentsOf: URL(fileURLWithPath: r.stdout.trimmingCharacters(in: .newlines) + "/summary.json")))
            let devices = summary["clients"]!.arrayValue!.map { $0["device"]?.stringValue ?? "" }
            XCTAssertEqual(devices.count, 1000, name)
            if name == "trace-1000" {
                XCTAssertTrue(Set(devices).isSubset(of: ids), "clients are the trace's devices")
                XCTAssertGreaterThan(Set(devices).count, 40, "1000 draws with replacement reach most of the 50 devices")
            } else {
                XCTAssertEqual(["low", "mid", "high"].map { d in devices.filter { $0 == d }.count }, [300, 500, 200])
            }
        }
        // The committed 100,000-client scenario, a few rounds: each rounds.jsonl line lists only the
        // clients that moved bytes (at most the 100 selected), never the population.
        let scale = try comigs(["run", "scenarios/scale-100k.json", "--set", "rounds=3", "--out", dir, "--quiet"], cwd: packageRoot)
        XCTAssertEqual(scale.status, 0, scale.stderr)
        let rounds = try String(contentsOfFile: scale.stdout.trimmingCharacters(in: .newlines) + "/rounds.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rounds.count, 3)
        for line in rounds {
            let r = try JSON.parse(Data(line.utf8))
            let selected = Set(r["selected"]!.arrayValue!.map { Int($0.doubleValue!) })
            let moved = r["bytes_per_client"]!.arrayValue!
            XCTAssertEqual(selected.count, 100)
            XCTAssertFalse(moved.isEmpty)
            XCTAssertTrue(moved.allSatisfy { selected.contains(Int($0["client"]!.doubleValue!)) })
            XCTAssertEqual(moved.map { $0["up"]!.doubleValue! }.reduce(0, +), r["bytes_up"]!.doubleValue!)
            XCTAssertEqual(moved.map { $0["down"]!.doubleValue! }.reduce(0, +), r["bytes_down"]!.doubleValue!)
            XCTAssertLessThan(line.utf8.count, 12_000, "a line grows with the participants, not the 100,000 clients")
        }
        // A bad trace stops the run before its folder is made, naming the file and line.
        let bad = try write(Self.header + "a,1,2,3\n", dir, "bad.csv")
        let r = try comigs(["run", "scenarios/traces/trace-1000.json", "--set", "clients.trace=\(bad)", "--out", dir + "/bad", "--quiet"],
                           cwd: packageRoot)
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "comigs: clients.trace: \(bad): line 2: 4 fields, the header has 5\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/bad"))
    }
}
