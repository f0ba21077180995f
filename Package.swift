// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: comigs -> Experiments -> Simulator -> Tensor -> Kernels, CBLAS (docs/design.md §1).
// No flag names a CPU: the wide code paths are chosen at run time (Sources/Kernels), so one
// build runs on every x86-64 (SSE4.2 and up) and arm64 machine and gives the same numbers on each.
// Release builds use SwiftPM's defaults (-O, whole-module): bounds and overflow checks stay on
// (-Ounchecked gained under 5% in `comigs bench engine`, README "Kernels").
let package = Package(
    name: "comigs",
    products: [
        .executable(name: "comigs", targets: ["comigs"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Simulator", targets: ["Simulator"]),
        .library(name: "Experiments", targets: ["Experiments"]),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "Kernels"),
        .target(name: "Tensor", dependencies: ["Kernels", "CBLAS"]),
        .target(name: "Simulator", dependencies: ["Tensor"]),
        // BuildInfo records the commit and compiler of each build (`comigs --version`, run folders' provenance.json).
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .target(name: "Experiments", dependencies: ["Simulator", "Tensor"], plugins: ["BuildInfo"]),
        .executableTarget(name: "comigs", dependencies: ["Experiments", "Simulator", "Tensor"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], exclude: ["Fixtures"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "Tensor"]),
        .testTarget(name: "ScenariosTests", dependencies: ["comigs", "Experiments", "Simulator", "Tensor"]),
    ]
)
