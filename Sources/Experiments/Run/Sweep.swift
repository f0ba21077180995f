import Foundation
import Tensor

/// A sweep (docs/design.md §7): a base scenario, named variants (sets of overrides,
/// e.g. the rows of a table) and axes (lists of values for dotted keys),
/// expanded to the grid variants × axes. Every point is validated before
/// anything runs; finished runs (their `summary.json`) are skipped.
package struct Sweep {
    package struct Point {
        package var index: Int
        package var label: String
        package var scenario: Scenario
        /// Folder of the point's runs under the sweep's output folder.
        package var folder: String

        /// One run folder per seed.
        package var runs: [String] { scenario.seeds.map { folder + "/\(scenario.name)-\(scenario.config.method.name)-seed\($0)" } }

        package var state: RunStatus { RunStatus.point(runs.map(RunStatus.of)) }
    }

    /// Where a run folder stands.
    package enum RunStatus: Int, Comparable {
        /// Ordered by what a re-run of the point does: nothing, nothing here, start a run, resume one.
        case finished, running, missing, interrupted
        package static func < (a: RunStatus, b: RunStatus) -> Bool { a.rawValue < b.rawValue }

        package var name: String { ["finished", "running", "missing", "interrupted"][rawValue] }

        /// A point's state from its runs': finished when all are, else interrupted when any
        /// run is resumable (a re-run resumes it), else missing when any is yet to start, else running.
        package static func point(_ runs: [RunStatus]) -> RunStatus { runs.max() ?? .finished }

        /// finished: its summary.json exists; running: another process holds its lock;
        /// interrupted: it has a scenario.json (resumable); missing: nothing usable yet.
        package static func of(_ run: String) -> RunStatus {
            let fm = FileManager.default
            if fm.fileExists(atPath: run + "/summary.json") { return .finished }
            if fm.fileExists(atPath: run + ".lock"), (try? RunLock(run)) == nil { return .running }
            return fm.fileExists(atPath: run + "/scenario.json") ? .interrupted : .missing
        }
    }

    /// Indices as Slurm's --array wants them: "0-3,5,7-8".
    package static func arrayList(_ indices: [Int]) -> String {
        var parts: [String] = [], i = 0
        let s = indices.sorted()
        while i < s.count {
            var j = i
            while j + 1 < s.count && s[j + 1] == s[j] + 1 { j += 1 }
            parts.append(i == j ? "\(s[i])" : "\(s[i])-\(s[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// The file beside the runs that lets `comigs report` tell a finished sweep from a partial
    /// one: every run folder the sweep expects, relative to its output folder.
    package static let manifest = "sweep-runs.json"

    /// The manifest's content: the sweep's name and its run folders.
    package struct Manifest: Codable {
        package var name: String
        package var runs: [String]
    }

    package func writeManifest() throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let runs = points.flatMap { p in p.runs.map { String($0.dropFirst(out.count + 1)) } }
        try RunFolder(path: out).write(Self.manifest, JSONValueEncoder().encode(Manifest(name: name, runs: runs)).text(indent: "  ") + "\n")
    }

    package let name: String
    package let out: String
    /// Whether `out` came from the command line (`--out`) rather than the file.
    package let outGiven: Bool
    /// Where the file asks for copies of the tables (`<report>.md`, `<report>.csv`), if anywhere:
    /// written only by a sweep into the file's own `out` once every point is finished (`reportCopy`).
    package let report: String?
    package let points: [Point]

    /// The path the tables are copied to now, or why they are not: with `--out` everything stays
    /// under it; an unfinished sweep would put a partial table over the complete one.
    package func reportCopy(unfinished: Int) -> (path: String?, why: String?) {
        guard let report else { return (nil, nil) }
        if outGiven { return (nil, "not copying the tables to \(report).md/.csv (the file's report): --out \(out) keeps every output under it") }
        if unfinished > 0 { return (nil, "not copying the tables to \(report).md/.csv (the file's report): \(unfinished) of \(points.count) points are unfinished") }
        return (report, nil)
    }

    package static let keys = ["name", "scenario", "set", "variants", "axes", "out", "report"]

    package static func load(_ path: String, out: String? = nil) throws -> Sweep {
        guard let data = FileManager.default.contents(atPath: path) else { throw ScenarioError(key: path, reason: "no such file") }
        let json: JSON
        do { json = try JSON.parse(data) } catch { throw ScenarioError(key: path, reason: "not valid JSON: \(error)") }
        guard case .object(let members) = json else { throw ScenarioError(key: "(top level)", reason: "expected an object") }
        for (k, _) in members where !keys.contains(k) {
            throw ScenarioError(key: k, reason: "unknown sweep key (known: \(keys.joined(separator: ", ")))")
        }
        guard let name = json["name"]?.stringValue else { throw ScenarioError(key: "name", reason: "required: a non-empty string") }
        if let problem = FileName.problem(name) { throw ScenarioError(key: "name", reason: problem) }
        let dir = (path as NSString).deletingLastPathComponent
        let base: JSON
        switch json["scenario"] {
        case .string(let file)?:
            let p = file.hasPrefix("/") ? file : (dir.isEmpty ? file : dir + "/" + file)
            guard let d = FileManager.default.contents(atPath: p) else { throw ScenarioError(key: "scenario", reason: "\(p): no such file") }
            do { base = try JSON.parse(d) } catch { throw ScenarioError(key: "scenario", reason: "\(p): not valid JSON: \(error)") }
        case .object?: base = json["scenario"]!
        case nil: base = .object([])
        default: throw ScenarioError(key: "scenario", reason: "expected a file name or an object")
        }
        let common = try assignments(json["set"], at: "set")
        var variants: [(label: String, set: [String])] = [("", [])]
        if let v = json["variants"] {
            guard case .array(let items) = v, !items.isEmpty else { throw ScenarioError(key: "variants", reason: "expected a non-empty list") }
            variants = try items.enumerated().map { i, item in
                guard let label = item["label"]?.stringValue, !label.isEmpty else {
                    throw ScenarioError(key: "variants[\(i)].label", reason: "required: a non-empty string")
                }
                return (label, try assignments(item["set"], at: "variants[\(i)].set"))
            }
        }
        var grid: [[(String, String)]] = [[]]  // (dotted key, JSON text) per axis value
        if let a = json["axes"] {
            guard case .object(let axes) = a else { throw ScenarioError(key: "axes", reason: "expected an object of lists") }
            for (key, values) in axes {
                guard case .array(let vs) = values, !vs.isEmpty else { throw ScenarioError(key: "axes.\(key)", reason: "expected a non-empty list") }
                grid = grid.flatMap { g in vs.map { g + [(key, $0.text())] } }
            }
        }
        let outDir = out ?? json["out"]?.stringValue ?? "runs/sweeps/\(name)"
        guard json["report"] == nil || json["report"]?.stringValue?.isEmpty == false else {
            throw ScenarioError(key: "report", reason: "expected a non-empty path (the tables' copies go to <report>.md and .csv)")
        }
        var points: [Point] = []
        for v in variants {
            for g in grid {
                let axisLabel = g.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
                let label = [v.label, axisLabel].filter { !$0.isEmpty }.joined(separator: " ")
                let sets = common + v.set + g.map { "\($0.0)=\($0.1)" } + (label.isEmpty ? [] : ["label=" + JSON.quote(label)])
                let scenario: Scenario
                do { scenario = try Scenario.make(base, overrides: sets) } catch let e as ScenarioError {
                    throw ScenarioError(key: "point \(points.count) (\(label))", reason: e.description)
                }
                let slug = String(format: "%03d-", points.count) + Self.slug(label.isEmpty ? scenario.config.method.name : label)
                points.append(Point(index: points.count, label: label, scenario: scenario, folder: outDir + "/" + slug))
            }
        }
        return Sweep(name: name, out: outDir, outGiven: out != nil, report: json["report"]?.stringValue, points: points)
    }

    /// `{"dotted.key": value}` as `--set` assignments.
    package static func assignments(_ v: JSON?, at key: String) throws -> [String] {
        guard let v else { return [] }
        guard case .object(let members) = v else { throw ScenarioError(key: key, reason: "expected an object of dotted keys") }
        return members.map { "\($0.0)=\($0.1.text())" }
    }

    package static func slug(_ s: String) -> String {
        String(s.lowercased().map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }.prefix(80))
    }
}
