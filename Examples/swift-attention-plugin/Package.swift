// swift-tools-version:6.0
// An out-of-tree GeoKit plugin: its own package, depending on the kernel
// package (the repository's root) by path; a plugin outside this repository
// depends on it by URL instead (docs/plugins.md). It builds libSwiftAttentionPlugin.so, which links the
// kernel library dynamically; loaded by geokit, it uses the process's one
// kernel (registry, grad mode, RNG), not a copy.
import Foundation
import PackageDescription

/// The kernel package's identity: SwiftPM names a path dependency after its
/// directory, wherever the repository was cloned (by URL it is "geokit").
let kernel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

let package = Package(
    name: "SwiftAttentionPlugin",
    products: [
        .library(name: "SwiftAttentionPlugin", type: .dynamic, targets: ["SwiftAttentionPlugin"])
    ],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        .target(
            name: "SwiftAttentionPlugin",
            dependencies: [.product(name: "GeoKit", package: kernel)],
            swiftSettings: [.swiftLanguageMode(.v5)])
    ]
)
