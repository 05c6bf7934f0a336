// swift-tools-version:6.0
// A research script that uses GeoKit as a library: its own attention module, written inline in Swift (no
// plugin), in a model trained by GeoKit's Trainer on a synthetic world and evaluated by GeoKit's evaluator
// (docs/embedding.md, "The Swift API in a script"). It depends on the kernel package by path.
import PackageDescription

let package = Package(
    name: "EmbeddingSwift",
    dependencies: [
        .package(path: "../../Sources/GeoKit")
    ],
    targets: [
        .executableTarget(
            name: "EmbeddingSwift",
            dependencies: [.product(name: "GeoKit", package: "GeoKit")],
            path: "Sources")
    ]
)
