// swift-tools-version:6.0
// The development workspace: the `geokit` CLI, the in-tree plugins and the
// tests, all linking the one kernel library (libGeoKit.so) that the root
// package builds. Its folders are links to the repository's Sources, Plugins
// and Tests (a target's sources must lie inside its package). It builds
// into the repository's .build, where the docs find `geokit`:
//   swift build -c release --package-path Workspace --scratch-path .build   (.ci/setup)
//   swift test -c release --package-path Workspace --scratch-path .build
import Foundation
import PackageDescription

/// The kernel package's identity, which SwiftPM takes from the name of the
/// directory the repository is cloned into.
let kernel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent.lowercased()

/// The in-tree plugins, each a dynamically loaded library
/// (Plugins/<Name> -> lib<Name>Plugin.so) registering its components into
/// the one kernel at start: the model zoo (Backbones) and the published
/// methods. Each folder's PluginEntry.swift is a
/// symlink to the shared Plugins/PluginEntry.swift (a target's sources
/// cannot lie outside its path; symlinks inside it are followed).
let plugins = ["Backbones", "AENet", "RKNet", "Sample4Geo", "SAFA", "LPN"]

let package = Package(
    name: "GeoKitWorkspace",
    products: [
        .executable(name: "geokit", targets: ["geokit"])
    ] + plugins.map { .library(name: "\($0)Plugin", type: .dynamic, targets: ["\($0)Plugin"]) },
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: plugins.map { method in
        .target(
            name: "\(method)Plugin",
            dependencies: [.product(name: "GeoKit", package: kernel)],
            path: "Plugins/\(method)",
            swiftSettings: [.swiftLanguageMode(.v5)])
    } + [
        .executableTarget(
            name: "geokit",
            dependencies: [
                .product(name: "GeoKit", package: kernel),
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            path: "Sources/geokit",
            swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "GeoKitTests",
            dependencies: [.product(name: "GeoKit", package: kernel)],
            path: "Tests/GeoKitTests",
            resources: [.copy("Fixtures")],
            swiftSettings: [.swiftLanguageMode(.v5)])
    ]
)
