import Foundation
import Simulator
import Tensor

/// A device trace (docs/traces.md): the devices a population draws its
/// clients from, and optionally when each one is available.
///
/// Devices file: the header `device_id,gflops,upload_mbps,download_mbps,memory_mib`, then one
/// row per device — a unique id, sustained training GFLOP/s, link speeds in Mbit/s (10^6 bit/s)
/// and the MiB the app may use, each in the range of the matching `clients[]` override key.
/// Availability file: the header `device_id,period_s,start_s,end_s`, then one row per active
/// interval [start_s, end_s) of a cycle of period_s seconds that repeats from simulated time 0
/// (FedScale's `client_behave_trace` cycle, see `AvailabilityTrace`); a device's rows are
/// consecutive, share one period, are sorted and do not overlap, and name a device of the devices
/// file. A device without rows is always available.
///
/// Errors name the scenario key, the file, the line and the column (exit code 2).
package struct DeviceTrace {
    package static let deviceHeader = ["device_id", "gflops", "upload_mbps", "download_mbps", "memory_mib"]
    package static let availabilityHeader = ["device_id", "period_s", "start_s", "end_s"]
    /// The range of the availability file's times, in seconds (read to whole µs).
    package static let seconds = KeyType.number(0...1e9)

    /// One profile per device, named by its id.
    package let devices: [DeviceProfile]
    /// Per device: its active intervals, or nil when it is always available.
    package let availability: [AvailabilityTrace?]

    package static func read(devices path: String, availability: String?) throws -> DeviceTrace {
        let csv = try CSVTable(path, key: "clients.trace", header: deviceHeader)
        /// The range of the `clients[]` override key named like column k: one rule for both ways of giving a device.
        func value(_ row: CSVTable.Row, _ k: Int) throws -> Double {
            try csv.number(row, k, in: ScenarioKeys.key("clients[].\(deviceHeader[k])")!.type)
        }
        var devices: [DeviceProfile] = [], index: [Substring: Int] = [:]
        for row in csv.rows {
            let id = try csv.id(row, 0)
            guard index.updateValue(devices.count, forKey: id) == nil else { throw csv.error(row, 0, "device \(JSON.quote(String(id))) is listed twice") }
            devices.append(DeviceProfile(name: String(id), flops: try value(row, 1) * 1e9, memory: Int(try value(row, 4) * 1_048_576),
                                         upload: try value(row, 2) * 1e6 / 8, download: try value(row, 3) * 1e6 / 8))
        }
        guard !devices.isEmpty else { throw csv.error("no device, only the header") }
        var schedules = [AvailabilityTrace?](repeating: nil, count: devices.count)
        if let availability {
            let csv = try CSVTable(availability, key: "clients.availability", header: availabilityHeader)
            var rows = csv.rows[...]
            while let first = rows.first {
                let id = try csv.id(first, 0)
                guard let d = index[id] else { throw csv.error(first, 0, "device \(JSON.quote(String(id))) is not in \(path)") }
                guard schedules[d] == nil else { throw csv.error(first, 0, "device \(JSON.quote(String(id)))'s rows are not consecutive") }
                let own = rows.prefix { (try? csv.id($0, 0)) == id }
                schedules[d] = try intervals(own, of: csv)
                rows = rows.dropFirst(own.count)
            }
        }
        return DeviceTrace(devices: devices, availability: schedules)
    }

    /// One device's consecutive rows as its cycle (seconds to µs, rounded).
    package static func intervals(_ rows: ArraySlice<CSVTable.Row>, of csv: CSVTable) throws -> AvailabilityTrace {
        let us = { (row: CSVTable.Row, k: Int) in SimTime((try csv.number(row, k, in: seconds) * 1e6).rounded()) }
        let period = try us(rows.first!, 1)
        var intervals: [Range<SimTime>] = []
        for row in rows {
            guard try us(row, 1) == period else { throw csv.error(row, 1, "the device's period changed (its rows share one period)") }
            guard period > 0 else { throw csv.error(row, 1, "the period must be positive") }
            let start = try us(row, 2), end = try us(row, 3)
            guard end > start else { throw csv.error(row, 3, "the interval ends at or before its start") }
            guard end <= period else { throw csv.error(row, 3, "the interval ends after the period") }
            guard start >= intervals.last?.upperBound ?? 0 else { throw csv.error(row, 2, "the interval starts before the device's previous one ends") }
            intervals.append(start..<end)
        }
        return AvailabilityTrace(period: period, intervals: intervals)
    }
}

/// A CSV file of the trace format: UTF-8 (a byte-order mark is ignored), a fixed header, then
/// rows of exactly that many fields; lines end in "\n" or "\r\n" (the last one may not), no
/// blank line, no quoting.
package struct CSVTable {
    package struct Row {
        package let line: Int
        package let fields: [Substring]
    }

    package let path: String
    /// The scenario key that named the file, for errors.
    package let key: String
    package let header: [String]
    package let rows: [Row]

    package init(_ path: String, key: String, header: [String]) throws {
        self.path = path
        self.key = key
        self.header = header
        func fail(_ reason: String) -> ScenarioError { Self.error(key: key, path: path, reason) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw fail(FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw fail("not UTF-8 text") }
        // Split by scalar: as Characters, "\r\n" is one and would not split at "\n".
        let split = { (s: Substring, by: Unicode.Scalar) in
            s.unicodeScalars.split(separator: by, omittingEmptySubsequences: false).map { Substring($0) }
        }
        let body = text.unicodeScalars.first == "\u{FEFF}" ? Substring(text.unicodeScalars.dropFirst()) : text[...]
        var lines = split(body, "\n").map { $0.unicodeScalars.last == "\r" ? Substring($0.unicodeScalars.dropLast()) : $0 }
        if lines.last == "" { lines.removeLast() }  // after the final newline
        guard let first = lines.first, split(first, ",").elementsEqual(header, by: ==) else {
            throw fail("line 1: expected the header \(header.joined(separator: ",")), got \(JSON.quote(String(lines.first ?? "")))")
        }
        rows = try lines.indices.dropFirst().map { n in
            guard !lines[n].isEmpty else { throw fail("line \(n + 1): blank line") }
            let fields = split(lines[n], ",")
            guard fields.count == header.count else { throw fail("line \(n + 1): \(fields.count) fields, the header has \(header.count)") }
            return Row(line: n + 1, fields: fields)
        }
    }

    /// An error about the file at `path`, named by the scenario key; static so the initialiser
    /// can throw it before the table exists.
    package static func error(key: String, path: String, _ reason: String) -> ScenarioError { ScenarioError(key: key, reason: "\(path): \(reason)") }

    package func error(_ reason: String) -> ScenarioError { Self.error(key: key, path: path, reason) }

    package func error(_ row: Row, _ column: Int, _ reason: String) -> ScenarioError {
        error("line \(row.line), column \(column + 1) (\(header[column])): \(reason)")
    }

    /// A device id: non-empty, without a quote, a control character or surrounding space.
    package func id(_ row: Row, _ column: Int) throws -> Substring {
        let s = row.fields[column]
        guard !s.isEmpty else { throw error(row, column, "empty device id") }
        guard !s.unicodeScalars.contains(where: { $0 == "\"" || $0.value < 0x20 || $0.value == 0x7f }),
              s.first?.isWhitespace == false, s.last?.isWhitespace == false else {
            throw error(row, column, "device id \(JSON.quote(String(s))) holds a quote, a control character or surrounding space")
        }
        return s
    }

    /// A decimal number (not nan, inf or hexadecimal) in the range of `type`, a `.number` key type.
    package func number(_ row: Row, _ column: Int, in type: KeyType) throws -> Double {
        guard case .number(let range) = type else { preconditionFailure("\(type) is not a number type") }
        let s = row.fields[column]
        guard s.allSatisfy({ "0123456789.eE+-".contains($0) }), let v = Double(s) else {
            throw error(row, column, "expected a number, got \(JSON.quote(String(s)))")
        }
        guard range.contains(v) else { throw error(row, column, "\(s) is out of range \(KeyType.range(range))") }
        return v
    }
}
