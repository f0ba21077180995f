/// What this `comigs` binary is: the package version (set here, the one place) and, from the
/// BuildInfo plugin at build time, the git commit of the sources, whether they differed from it,
/// and the compiler's `--version` line. `commit` and `treeDirty` are nil when the package was
/// not built from a git checkout of its own (e.g. an exported source tree) or git could not read it;
/// `compiler` when swiftc did not answer.
package enum Build {
    package static let version = "0.1.0"

    /// `comigs --version`: e.g. "comigs 0.1.0\ncommit 31c0974… (clean)\nSwift version 6.3.1 (swift-6.3.1-RELEASE)".
    package static var text: String {
        let source = commit.map { "commit \($0) (" + (treeDirty == true ? "built with uncommitted changes to Package.swift, Sources or Plugins" : "clean") + ")" }
            ?? "commit unknown (not built from a git checkout, or git could not read it)"
        return "comigs \(version)\n\(source)\n\(compiler ?? "compiler unknown")"
    }
}
