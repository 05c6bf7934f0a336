// swift-tools-version:6.0
// An out-of-tree GeoKit plugin: its own package, depending on the kernel
// package by path. It builds libSwiftAttentionPlugin.so, which links the
// kernel library dynamically; loaded by geokit, it uses the process's one
// kernel (registry, grad mode, RNG), not a copy.
import PackageDescription

let package = Package(
    name: "SwiftAttentionPlugin",
    products: [
        .library(name: "SwiftAttentionPlugin", type: .dynamic, targets: ["SwiftAttentionPlugin"])
    ],
    dependencies: [
        .package(path: "../../Sources/GeoKit")
    ],
    targets: [
        .target(
            name: "SwiftAttentionPlugin",
            dependencies: [.product(name: "GeoKit", package: "GeoKit")],
            swiftSettings: [.swiftLanguageMode(.v5)])
    ]
)
