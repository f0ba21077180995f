import Foundation
import XCTest

/// Machine independence (issue 12): the release binary on an emulated x86-64 CPU without AVX
/// (qemu-user, `-cpu Nehalem`, so the generic kernel path and no FMA anywhere) writes the same
/// bytes as on this machine's CPU — synthetic data, a one-round run, an evaluation, and the
/// committed golden traces. `scripts/emulated-check.sh` does the work; CI (CI=true) requires it.
final class EmulationTests: XCTestCase {
    func testEmulatedCPUWithoutAVXWritesTheSameBytes() throws {
        #if !arch(x86_64)
        throw XCTSkip("the emulated check is for x86-64 machines")
        #else
        guard let exe = comigsExecutable() else { throw XCTSkip("comigs executable not built") }
        let found = try shell("command -v qemu-x86_64")
        if found.status != 0 {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("qemu-x86_64 missing: bash scripts/setup.sh") }
            throw XCTSkip("qemu-x86_64 is not installed (bash scripts/setup.sh installs qemu-user)")
        }
        let r = try shell("COMIGS_BIN='\(exe.path)' bash scripts/emulated-check.sh", cwd: packageRoot)
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertTrue(r.stdout.contains("emulated-check: passed"), r.stdout)
        XCTAssertFalse(r.stdout.contains("DIFFERENT"), r.stdout)
        #endif
    }
}
