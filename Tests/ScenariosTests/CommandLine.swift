import Foundation
import XCTest

/// The built `comigs` executable, beside the test bundle.
func comigsExecutable() -> URL? {
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
    let exe = dir.appendingPathComponent("comigs")
    return FileManager.default.isExecutableFile(atPath: exe.path) ? exe : nil
}

/// Runs `comigs` and returns its exit code and output.
/// `environment` entries are added to (or replace) the test's own environment.
func comigs(_ args: [String], cwd: String? = nil, environment: [String: String] = [:]) throws
    -> (status: Int32, stdout: String, stderr: String) {
    guard let exe = comigsExecutable() else { throw XCTSkip("comigs executable not built") }
    return try execute(exe, args, cwd: cwd, environment: environment)
}

/// Runs a bash command line.
func shell(_ command: String, cwd: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    try execute(URL(fileURLWithPath: "/bin/bash"), ["-c", command], cwd: cwd)
}

func execute(_ exe: URL, _ args: [String], cwd: String?, environment: [String: String] = [:]) throws
    -> (status: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read before waiting so a full pipe never blocks the child.
    let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// The package root (tests run from it under `swift test`, but do not rely on it).
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    return url.path
}()

func temporaryDirectory(_ name: String) throws -> String {
    let dir = NSTemporaryDirectory() + "comigs-\(name)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A test case with a fresh scratch folder `dir` per test, removed after it.
class ScratchFolderTestCase: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try temporaryDirectory(String(describing: type(of: self))) }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: dir) }
}
