// swift-tools-version:6.0
// The GeoKit kernel: one dynamic library (libGeoKit.so) shared by the CLI,
// every plugin and every compiled recipe, so that there is one registry,
// one grad mode and one RNG in a process.
import PackageDescription

let settings: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "GeoKit",
    products: [
        .library(name: "GeoKit", type: .dynamic, targets: ["GeoKit"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1")
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
        // Plots and pictures (Training/Report): 2-D drawing with text, to PNG and SVG.
        .systemLibrary(
            name: "CCairo", path: "System/CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(
            name: "CZip", path: "System/CZip", pkgConfig: "libzip",
            providers: [.apt(["libzip-dev"])]),
        .systemLibrary(
            name: "CMatio", path: "System/CMatio", pkgConfig: "matio",
            providers: [.apt(["libmatio-dev"])]),
        // Open MPI, for data-parallel training (Kernel/Training/Distributed).
        .systemLibrary(
            name: "CMPI", path: "System/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),
        // The kernel's layers, bottom to top; each may use only the layers it
        // names (docs/architecture.md). The umbrella `GeoKit` re-exports them.
        .target(
            name: "GeoKitCore",
            dependencies: ["COpenBLAS", "CZip", .product(name: "RealModule", package: "swift-numerics")],
            path: "Kernel/Core", swiftSettings: settings),
        .target(name: "GeoKitData", dependencies: ["GeoKitCore", "CPNG", "CTurboJPEG", "CMatio"], path: "Kernel/Data", swiftSettings: settings),
        .target(name: "GeoKitSynth", dependencies: ["GeoKitCore", "GeoKitData"], path: "Kernel/Synth", swiftSettings: settings),
        .target(name: "GeoKitComponents", dependencies: ["GeoKitCore", "GeoKitData"], path: "Kernel/Components", swiftSettings: settings),
        .target(
            name: "GeoKitRecipes", dependencies: ["GeoKitCore", "GeoKitData", "GeoKitSynth", "GeoKitComponents"],
            path: "Kernel/Recipes", swiftSettings: settings),
        .target(
            name: "GeoKitTraining",
            dependencies: ["GeoKitCore", "GeoKitData", "GeoKitSynth", "GeoKitComponents", "GeoKitRecipes", "CCairo", "CMPI"],
            path: "Kernel/Training", swiftSettings: settings),
        .target(
            name: "GeoKitPlugins", dependencies: ["GeoKitCore", "GeoKitComponents", "GeoKitRecipes", "CFFI", "CGeoKitABI"],
            path: "Kernel/Plugins", swiftSettings: settings),
        // FAISS behind a small C bridge: Debian's libfaiss-dev ships only the static C++
        // library (position-independent, so it links into libGeoKit.so), which needs
        // OpenMP (libgomp) and BLAS/LAPACK.
        .systemLibrary(name: "CFaissBridge", path: "System/CFaissBridge"),
        .target(
            name: "FaissBridge", path: "Kernel/FaissBridge",
            linkerSettings: [.linkedLibrary("faiss"), .linkedLibrary("gomp"), .linkedLibrary("lapack"), .linkedLibrary("openblas")]),
        .target(
            name: "GeoKitEmbedding",
            dependencies: [
                "GeoKitCore", "GeoKitData", "GeoKitComponents", "GeoKitRecipes", "GeoKitTraining", "GeoKitPlugins", "COpenBLAS",
                "CFaissBridge", "FaissBridge"
            ],
            path: "Kernel/Embedding", swiftSettings: settings),
        .target(
            name: "GeoKit",
            dependencies: [
                "GeoKitCore", "GeoKitData", "GeoKitSynth", "GeoKitComponents", "GeoKitRecipes", "GeoKitTraining", "GeoKitPlugins",
                "GeoKitEmbedding"
            ],
            path: "Kernel/GeoKit", swiftSettings: settings)
    ]
)
