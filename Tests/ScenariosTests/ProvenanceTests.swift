import Foundation
import Tensor
import XCTest
@testable import Experiments

/// `comigs --version` and a run folder's provenance.json: what built the binary and where it ran.
final class ProvenanceTests: XCTestCase {
    /// The package's commit and whether the binary's sources differ from it, from git itself;
    /// nil when the package is not a git checkout of its own.
    func gitState() throws -> (commit: String, dirty: Bool)? {
        let top = try shell("git -C '\(packageRoot)' rev-parse --show-toplevel")
        guard top.status == 0,
              URL(fileURLWithPath: top.stdout.trimmingCharacters(in: .newlines)).resolvingSymlinksInPath() == URL(fileURLWithPath: packageRoot).resolvingSymlinksInPath()
        else { return nil }
        let head = try shell("git -C '\(packageRoot)' rev-parse HEAD").stdout.trimmingCharacters(in: .newlines)
        let status = try shell("git -C '\(packageRoot)' --no-optional-locks status --porcelain -- Package.swift Sources Plugins").stdout
        return (head, !status.isEmpty)
    }

    func testVersionNamesTheReleaseCommitAndCompiler() throws {
        let r = try comigs(["--version"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, r.stdout)
        XCTAssertEqual(lines.first, "comigs \(Build.version)")
        XCTAssertNotNil(Build.version.wholeMatch(of: /\d+\.\d+\.\d+/), "a semantic version")
        // `swift test` builds first, and the plugin reads the checkout at every build.
        if let git = try gitState() {
            XCTAssertEqual(lines[1], "commit \(git.commit) (" + (git.dirty ? "built with uncommitted changes to Package.swift, Sources or Plugins" : "clean") + ")")
        } else {
            XCTAssertEqual(lines[1], "commit unknown (not built from a git checkout, or git could not read it)")
        }
        XCTAssertTrue(lines.last?.contains("Swift version") == true, r.stdout)
    }

    /// One session per process that worked on the run, each with the binary, kernel path and
    /// machine it ran on; COMIGS_KERNELS=generic shows the kernel path is the process's own.
    func testRunFolderRecordsWhatProducedIt() throws {
        let dir = try temporaryDirectory("provenance")
        let file = dir + "/s.json"
        try Data(RunTests.tiny.utf8).write(to: URL(fileURLWithPath: file))
        let before = Date()
        let r = try comigs(["run", file, "--out", dir, "--workers", "3", "--quiet", "--set", "rounds=1"], cwd: packageRoot,
                           environment: ["COMIGS_KERNELS": "generic"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let run = r.stdout.trimmingCharacters(in: .newlines)
        let sessions = try XCTUnwrap(try JSON.parse(Data(contentsOf: URL(fileURLWithPath: run + "/" + Provenance.file)))["sessions"]?.arrayValue)
        XCTAssertEqual(sessions.count, 1)
        let s = sessions[0]
        XCTAssertEqual(s["from_round"], .int(0))
        XCTAssertEqual(s["comigs_version"], .string(Build.version))
        let git = try gitState()
        XCTAssertEqual(s["commit"], git.map { .string($0.commit) } ?? .null)
        XCTAssertEqual(s["tree_dirty"], git.map { .bool($0.dirty) } ?? .null)
        XCTAssertEqual(s["compiler"], Build.compiler.map { .string($0) } ?? .null)
        XCTAssertEqual(s["kernel_path"], .string("generic"))
        XCTAssertEqual(s["workers"], .int(3))
        XCTAssertEqual(s["cores"], .int(ProcessInfo.processInfo.activeProcessorCount))
        XCTAssertEqual(s["uname"]?.stringValue, try shell("uname -srm").stdout.trimmingCharacters(in: .newlines))
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        XCTAssertEqual(s["cpu"]?.stringValue, Host.cpuModel(cpuinfo))
        XCTAssertNotNil(s["cpu"]?.stringValue)
        let osRelease = try String(contentsOfFile: "/etc/os-release", encoding: .utf8)
        let os = try XCTUnwrap(s["os"]?.stringValue)
        XCTAssertTrue(osRelease.contains("PRETTY_NAME=\"\(os)\"\n") || osRelease.contains("PRETTY_NAME=\(os)\n"), osRelease)
        let started = try XCTUnwrap(ISO8601DateFormatter().date(from: s["started_utc"]?.stringValue ?? ""))
        XCTAssertTrue(started >= before.addingTimeInterval(-1) && started <= Date(), "\(started)")
        let wall = try XCTUnwrap(s["wall_time_s"]?.doubleValue)
        XCTAssertTrue(wall > 0 && wall <= Date().timeIntervalSince(before), "\(wall)")
        XCTAssertEqual(Provenance.wallTime(run), wall)
        XCTAssertNil(try JSON.parse(Data(contentsOf: URL(fileURLWithPath: run + "/summary.json")))["wall_time_s"], "wall time is provenance")
    }

    /// x86-64 names its model; arm64 kernels give only the codes of the core (here an Arm
    /// Neoverse N1, as /proc/cpuinfo of a Graviton2 shows it).
    func testCPUModelOnX86AndArm() {
        let x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: other\n"
        XCTAssertEqual(Host.cpuModel(x86), "Intel(R) Xeon(R) Platinum 8480+")
        let arm = "processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics\nCPU implementer\t: 0x41\n"
            + "CPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\nprocessor\t: 1\nCPU implementer\t: 0x42\n"
        XCTAssertEqual(Host.cpuModel(arm), "CPU implementer 0x41, part 0xd0c, variant 0x3, revision 1")
        XCTAssertNil(Host.cpuModel("processor\t: 0\n"))
    }
}
