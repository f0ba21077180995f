import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on a run folder while one process trains it (`<run>.lock` beside the
/// folder, flock(2)): a second `comigs sweep` of the same file skips the point instead of
/// treating it as interrupted and training it again in the same folder. The kernel drops the
/// lock when its holder exits, however it exits, so a killed run never leaves a stale lock.
package final class RunLock {
    private let fd: Int32

    /// nil when another process holds the lock.
    package init?(_ run: String) throws {
        try FileManager.default.createDirectory(atPath: (run as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let descriptor = open(run + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ScenarioError(key: run + ".lock", reason: "cannot open the run lock: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        fd = descriptor
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
