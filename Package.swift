// swift-tools-version:6.0
import PackageDescription

// Dependencies point one way: Scenarios -> Simulator -> Tensor -> CBLAS (DESIGN §1).
let optimize: [SwiftSetting] = [.unsafeFlags(["-Ounchecked", "-wmo", "-target-cpu", "znver4"], .when(configuration: .release))]

let package = Package(
    name: "comigs",
    products: [
        .executable(name: "comigs", targets: ["Scenarios"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "Simulator", targets: ["Simulator"]),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: optimize),
        .target(name: "Simulator", dependencies: ["Tensor"], swiftSettings: optimize),
        .executableTarget(name: "Scenarios", dependencies: ["Simulator", "Tensor"], swiftSettings: optimize),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], exclude: ["Fixtures"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "Tensor"]),
        .testTarget(name: "ScenariosTests", dependencies: ["Scenarios", "Simulator", "Tensor"]),
    ]
)
