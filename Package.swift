// swift-tools-version:6.0
// The root package: the `geokit` CLI, the in-tree method plugins and the
// tests, all linking the one kernel library built by Sources/GeoKit.
import PackageDescription

let package = Package(
    name: "GeoKitRoot",
    products: [
        .executable(name: "geokit", targets: ["geokit"]),
    ],
    dependencies: [
        .package(path: "Sources/GeoKit"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .executableTarget(
            name: "geokit",
            dependencies: [
                .product(name: "GeoKit", package: "GeoKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/geokit",
            swiftSettings: [.swiftLanguageMode(.v5)]),
        .testTarget(
            name: "GeoKitTests",
            dependencies: [.product(name: "GeoKit", package: "GeoKit")],
            path: "Tests/GeoKitTests",
            resources: [.copy("Fixtures")],
            swiftSettings: [.swiftLanguageMode(.v5)]),
    ]
)
