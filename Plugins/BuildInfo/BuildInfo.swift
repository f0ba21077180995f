import Foundation
import PackagePlugin

/// Records, at every build of the `comigs` executable, the git commit its sources were
/// built from and the compiler that built them (`Sources/Experiments/Build.swift` reads them).
/// A prebuild command, because SwiftPM runs those before every build: a commit made since
/// the last build is picked up. The generated file is rewritten only when its text changes,
/// so an unchanged checkout recompiles nothing.
@main
struct BuildInfo: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let out = context.pluginWorkDirectoryURL.appendingPathComponent("generated")
        // The toolchain's own swiftc: SwiftPM searches the directory of the compiler it builds with.
        let swiftc = try context.tool(named: "swiftc").url
        return [.prebuildCommand(displayName: "Recording the commit and compiler of this build",
                                 executable: URL(fileURLWithPath: "/bin/sh"),
                                 arguments: ["-c", Self.script, "build-info", out.path, context.package.directoryURL.path, swiftc.path],
                                 environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"],
                                 outputFilesDirectory: out)]
    }

    /// $1 output folder, $2 package folder, $3 swiftc. The commit counts only when the package
    /// folder is the top of its git checkout (not a package copied into another repository);
    /// "dirty" looks only at what the binary is built from (Package.swift, Sources, Plugins).
    static let script = #"""
        set -u
        out="$1/BuildInfo.swift"; pkg="$2"; swiftc="$3"
        mkdir -p "$1"
        quote() { if [ -n "$1" ]; then printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; else printf nil; fi; }
        commit=""; dirty=nil
        if top=$(git -C "$pkg" rev-parse --show-toplevel 2>/dev/null) && [ "$(cd "$top" && pwd -P)" = "$(cd "$pkg" && pwd -P)" ]; then
            commit=$(git -C "$pkg" rev-parse HEAD 2>/dev/null || true)
            if [ -n "$commit" ]; then
                if [ -n "$(git -C "$pkg" --no-optional-locks status --porcelain -- Package.swift Sources Plugins 2>/dev/null)" ]; then dirty=true; else dirty=false; fi
            fi
        fi
        compiler=$("$swiftc" --version 2>/dev/null | head -n 1)
        {
            echo "// Written by Plugins/BuildInfo at build time."
            echo "extension Build {"
            echo "    static let commit: String? = $(quote "$commit")"
            echo "    static let treeDirty: Bool? = $dirty"
            echo "    static let compiler: String? = $(quote "$compiler")"
            echo "}"
        } > "$out.tmp"
        if cmp -s "$out.tmp" "$out"; then rm "$out.tmp"; else mv "$out.tmp" "$out"; fi
        """#
}
