import Foundation
import XCTest

/// Issue 8, item 4: every malformed input under Tests/BadInputs (hand-written
/// scenarios, generated mutations of a valid one, corrupt data folders and
/// base checkpoints) goes through the `comigs` executable and must fail
/// cleanly: exit code exactly 2 (no signal, no other code), exactly one line
/// on stderr, naming the key path or the file that `expected.tsv` records.
final class BadInputsTests: XCTestCase {
    static let folder = packageRoot + "/Tests/BadInputs"
    /// Folders whose `.json` files are the inputs that are run (the data cases are the
    /// scenarios data/<case>.json beside their folders data/<case>/, the model cases
    /// models/<case>.json beside the checkpoints they name as the base, the trace cases
    /// traces/<case>.json beside the CSV files they name).
    static let caseFolders = ["scenarios", "generated", "data", "models", "traces"]

    /// `expected.tsv`: one `file<TAB>substring[<TAB>no-out]` per line (file relative
    /// to Tests/BadInputs); blank lines and lines starting with `#` are ignored.
    /// In the substring, `\t`, `\\` and `\x..` escapes stand for bytes that a
    /// TSV line cannot hold. `no-out`: run without `--out`, for a case about outputs.dir.
    static func manifest() throws -> [(file: String, expected: String, out: Bool)] {
        let text = try String(contentsOfFile: folder + "/expected.tsv", encoding: .utf8)
        var rows: [(String, String, Bool)] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 2 || (parts.count == 3 && parts[2] == "no-out"), !parts[0].isEmpty, !parts[1].isEmpty else {
                XCTFail("expected.tsv line \(n + 1): expected 'file<TAB>substring[<TAB>no-out]', got \(line.debugDescription)")
                continue
            }
            rows.append((String(parts[0]), unescape(String(parts[1])), parts.count == 2))
        }
        return rows
    }

    static func unescape(_ s: String) -> String {
        var out = "", it = s.makeIterator()
        while let c = it.next() {
            guard c == "\\" else { out.append(c); continue }
            switch it.next() {
            case "t": out.append("\t")
            case "\\": out.append("\\")
            case "x":
                let hex = String([it.next(), it.next()].compactMap { $0 })
                if let v = UInt8(hex, radix: 16) { out.unicodeScalars.append(Unicode.Scalar(v)) }
            case let other?: out.append("\\"); out.append(other)
            case nil: out.append("\\")
            }
        }
        return out
    }

    /// Every `.json` file of the case folders (not their subfolders), relative to `folder`, sorted.
    static func caseFiles() throws -> [String] {
        var files: [String] = []
        for sub in caseFolders {
            for f in try FileManager.default.contentsOfDirectory(atPath: folder + "/" + sub) {
                var isDir: ObjCBool = false
                if f.hasSuffix(".json"), FileManager.default.fileExists(atPath: folder + "/" + sub + "/" + f, isDirectory: &isDir), !isDir.boolValue {
                    files.append(sub + "/" + f)
                }
            }
        }
        return files.sorted()
    }

    /// The valid scenarios the bad inputs are mutations of run, so each bad input fails for its one defect.
    func testControlsRun() throws {
        guard comigsExecutable() != nil else { throw XCTSkip("comigs executable not built") }
        let out = try temporaryDirectory("bad-inputs-controls")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder + "/controls").filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(names, ["valid-boundary.json", "valid-data.json", "valid-hf-model.json", "valid-model.json", "valid-trace.json", "valid.json"])
        for name in names {
            let r = try comigs(["run", "Tests/BadInputs/controls/" + name, "--out", out, "--quiet"], cwd: packageRoot)
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
        }
    }

    func testEveryBadInputFailsWithOneLineNamingTheKeyOrFile() throws {
        guard comigsExecutable() != nil else { throw XCTSkip("comigs executable not built") }
        let rows = try Self.manifest()
        let listed = rows.map(\.file), files = try Self.caseFiles()
        // The manifest and the folders agree, file for file.
        var seen = Set<String>()
        for f in listed where !seen.insert(f).inserted { XCTFail("expected.tsv lists \(f) twice") }
        for f in Set(files).subtracting(listed).sorted() { XCTFail("\(f) has no entry in expected.tsv") }
        for f in Set(listed).subtracting(files).sorted() { XCTFail("expected.tsv lists \(f), which does not exist") }
        XCTAssertGreaterThanOrEqual(rows.count, 100, "issue 8 asks for at least 100 bad inputs")

        let out = try temporaryDirectory("bad-inputs")
        defer { try? FileManager.default.removeItem(atPath: out) }
        var failures: [String] = []
        for (i, row) in rows.enumerated() where files.contains(row.file) {
            let path = "Tests/BadInputs/" + row.file
            // --out keeps any run folder a late check leaves out of the checkout.
            let r = try comigs(["run", path, "--quiet"] + (row.out ? ["--out", "\(out)/\(i)"] : []), cwd: packageRoot)
            // Line breaks counted as bytes: "\r\n" is one Character, and a lone "\r" breaks a terminal line too.
            let breaks = r.stderr.utf8.filter { $0 == 10 || $0 == 13 }.count
            var problems: [String] = []
            if r.status != 2 { problems.append("exit code or signal \(r.status), expected exit code 2") }
            if breaks != 1 || !r.stderr.hasSuffix("\n") { problems.append("stderr is not exactly one line (\(breaks) line breaks)") }
            if !r.stderr.hasPrefix("comigs: ") { problems.append("stderr does not start with 'comigs: '") }
            if !r.stderr.contains(row.expected) { problems.append("stderr does not contain \(row.expected.debugDescription)") }
            if !r.stdout.isEmpty { problems.append("stdout is not empty: \(r.stdout.prefix(200).debugDescription)") }
            if !problems.isEmpty {
                failures.append("\(row.file): " + problems.joined(separator: "; ") + "\n    stderr: \(r.stderr.prefix(400).debugDescription)")
            }
        }
        for f in failures { XCTFail(f) }
    }
}
