// swift-tools-version:6.0
// A research script that uses GeoKit as a library: its own attention module, written inline in Swift (no
// plugin), in a model trained by GeoKit's Trainer on a synthetic world and evaluated by GeoKit's evaluator
// (docs/embedding.md, "The Swift API in a script"). It depends on the kernel package (the repository's root)
// by path; outside this tree, by URL: `.package(url: ..., from: "0.3.0")` and `package: "geokit"`.
import Foundation
import PackageDescription

/// The GeoKit checkout, relative to this file.
let geokit = "../.."
/// Its package identity: SwiftPM names a path dependency after its directory.
let kernel = URL(fileURLWithPath: geokit, relativeTo: URL(fileURLWithPath: #filePath).deletingLastPathComponent())
    .standardizedFileURL.lastPathComponent.lowercased()

let package = Package(
    name: "EmbeddingSwift",
    dependencies: [
        .package(path: geokit)
    ],
    targets: [
        .executableTarget(
            name: "EmbeddingSwift",
            dependencies: [.product(name: "GeoKit", package: kernel)],
            path: "Sources")
    ]
)
