// swift-tools-version:6.0
// The GeoKit kernel: one dynamic library (libGeoKit.so) shared by the CLI,
// every plugin and every compiled recipe, so that there is one registry,
// one grad mode and one RNG in a process.
import PackageDescription

let package = Package(
    name: "GeoKit",
    products: [
        .library(name: "GeoKit", type: .dynamic, targets: ["GeoKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenBLAS", path: "System/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "System/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CFFI", path: "System/CFFI", pkgConfig: "libffi",
            providers: [.apt(["libffi-dev"])]),
        // The plugin C ABI (include/geokit.h), imported so that the kernel and
        // C plugins share one definition of every struct.
        .systemLibrary(name: "CGeoKitABI", path: "System/CGeoKitABI"),
        .systemLibrary(
            name: "CTurboJPEG", path: "System/CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CZip", path: "System/CZip", pkgConfig: "libzip",
            providers: [.apt(["libzip-dev"])]),
        .target(
            name: "GeoKit",
            dependencies: [
                "COpenBLAS", "CPNG", "CFFI", "CTurboJPEG", "CGeoKitABI", "CZip",
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            path: "Kernel",
            swiftSettings: [.swiftLanguageMode(.v5)]),
    ]
)
