// swift-tools-version:6.0
// The root package: the `geokit` CLI, the in-tree plugins and the
// tests, all linking the one kernel library built by Sources/GeoKit.
import PackageDescription

/// The in-tree plugins, each a dynamically loaded library
/// (Plugins/<Name> -> lib<Name>Plugin.so) registering its components into
/// the one kernel at start: the model zoo (Backbones) and the published
/// methods. Each folder's PluginEntry.swift is a
/// symlink to the shared Plugins/PluginEntry.swift (a target's sources
/// cannot lie outside its path; symlinks inside it are followed).
let plugins = ["Backbones", "AENet", "RKNet", "Sample4Geo", "SAFA", "LPN"]

let package = Package(
    name: "GeoKitRoot",
    products: [
        .executable(name: "geokit", targets: ["geokit"])
    ] + plugins.map { .library(name: "\($0)Plugin", type: .dynamic, targets: ["\($0)Plugin"]) },
    dependencies: [
        .package(path: "Sources/GeoKit"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
    ],
    targets: plugins.map { method in
        .target(
            name: "\(method)Plugin",
            dependencies: [.product(name: "GeoKit", package: "GeoKit")],
            path: "Plugins/\(method)",
            swiftSettings: [.swiftLanguageMode(.v5)])
    } + [
        .executableTarget(
            name: "geokit",
            dependencies: [
                .product(name: "GeoKit", package: "GeoKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            path: "Sources/geokit",
            swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "GeoKitTests",
            dependencies: [.product(name: "GeoKit", package: "GeoKit")],
            path: "Tests/GeoKitTests",
            resources: [.copy("Fixtures")],
            swiftSettings: [.swiftLanguageMode(.v5)])
    ]
)
