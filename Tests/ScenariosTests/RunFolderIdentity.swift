import Foundation
import XCTest
@testable import Experiments

/// Every regular file under a run folder, as sorted paths relative to it, but `provenance.json`
/// (times, machine, sessions: the one file allowed to differ between identical runs).
func runFolderFiles(_ dir: String) -> [String] {
    let all = FileManager.default.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? []
    return all.filter { path in
        var isDir: ObjCBool = false
        return path != Provenance.file && FileManager.default.fileExists(atPath: dir + "/" + path, isDirectory: &isDir) && !isDir.boolValue
    }.sorted()
}

/// Two run folders hold the same files with the same bytes, adapters included, `provenance.json` aside.
func assertSameRunFolder(_ a: String, _ b: String, _ context: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let files = runFolderFiles(a)
    XCTAssertEqual(files, runFolderFiles(b), "\(context): the folders hold different files", file: file, line: line)
    XCTAssertTrue(files.contains("summary.json") && files.contains("clients/client-0.safetensors"),
                  "\(context): not a finished run folder with adapters: \(files)", file: file, line: line)
    for name in files {
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a + "/" + name)), try Data(contentsOf: URL(fileURLWithPath: b + "/" + name)),
                       "\(context): \(name) differs", file: file, line: line)
    }
}
