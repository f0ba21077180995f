import Foundation
import Simulator
import Tensor
import XCTest
@testable import Scenarios

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
}
