import Foundation
import XCTest

/// Machine independence: the release binary on emulated x86-64 CPUs — qemu-user
/// `-cpu Nehalem` (no AVX, no FMA: the generic kernels with their software fma) and `-cpu Haswell`
/// (AVX2 and FMA without AVX-512: the AVX2 kernels, picked by CPUID) — writes the same bytes as on
/// the host's CPU: synthetic data, a one-round run, an evaluation, and the small golden set; and
/// the kernels built for arm64 give the same bits under qemu-aarch64. `scripts/emulated-check.sh`
/// does the work; CI (CI=true) requires it.
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
        XCTAssertTrue(r.stdout.contains("emulated CPU runs the generic kernels"), r.stdout)
        XCTAssertTrue(r.stdout.contains("haswell CPU runs the avx2 kernels"), r.stdout)
        XCTAssertTrue(r.stdout.contains("same: emulated golden traces") && r.stdout.contains("same: haswell golden traces"), r.stdout)
        XCTAssertTrue(r.stdout.contains("arm64 kernels: paths: generic fma neon"), r.stdout)
        XCTAssertTrue(r.stdout.contains("same: kernel digests, host and arm64"), r.stdout)
        #endif
    }
}
