// swift-tools-version:6.0
// The GeoKit kernel: one dynamic library (libGeoKit.so) shared by the CLI,
// every plugin and every compiled recipe, so that there is one registry,
// one grad mode and one RNG in a process. This root package is what another
// package depends on (`.package(url: ..., from: "0.3.0")`, product "GeoKit");
// it has no local dependencies. The CLI, the in-tree plugins and the tests
// are the package in Workspace/, which depends on this one (docs/architecture.md).
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
            name: "COpenBLAS", path: "Sources/GeoKit/System/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/GeoKit/System/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CFFI", path: "Sources/GeoKit/System/CFFI", pkgConfig: "libffi",
            providers: [.apt(["libffi-dev"])]),
        // The plugin C ABI (include/geokit.h), imported so that the kernel and
        // C plugins share one definition of every struct.
        .systemLibrary(name: "CGeoKitABI", path: "Sources/GeoKit/System/CGeoKitABI"),
        .systemLibrary(
            name: "CTurboJPEG", path: "Sources/GeoKit/System/CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        // Plots and pictures (Training/Report): 2-D drawing with text, to PNG and SVG.
        .systemLibrary(
            name: "CCairo", path: "Sources/GeoKit/System/CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(
            name: "CZip", path: "Sources/GeoKit/System/CZip", pkgConfig: "libzip",
            providers: [.apt(["libzip-dev"])]),
        .systemLibrary(
            name: "CMatio", path: "Sources/GeoKit/System/CMatio", pkgConfig: "matio",
            providers: [.apt(["libmatio-dev"])]),
        // Open MPI, for data-parallel training (Kernel/Training/Distributed).
        .systemLibrary(
            name: "CMPI", path: "Sources/GeoKit/System/CMPI", pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"])]),
        // The kernel's layers, bottom to top; each may use only the layers it
        // names (docs/architecture.md). The umbrella `GeoKit` re-exports them.
        // oneDNN behind a small C bridge (Kernel/DNNLBridge): float32 convolution and batch
        // normalisation on channels-last activations (docs/architecture.md, "Compute paths").
        .systemLibrary(name: "CDNNLBridge", path: "Sources/GeoKit/System/CDNNLBridge"),
        .target(
            name: "DNNLBridge", path: "Sources/GeoKit/Kernel/DNNLBridge",
            linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        .target(
            name: "GeoKitCore",
            dependencies: [
                "COpenBLAS", "CZip", "CDNNLBridge", "DNNLBridge", .product(name: "RealModule", package: "swift-numerics")
            ],
            path: "Sources/GeoKit/Kernel/Core", swiftSettings: settings),
        .target(name: "GeoKitData", dependencies: ["GeoKitCore", "CPNG", "CTurboJPEG", "CMatio"], path: "Sources/GeoKit/Kernel/Data", swiftSettings: settings),
        .target(name: "GeoKitSynth", dependencies: ["GeoKitCore", "GeoKitData"], path: "Sources/GeoKit/Kernel/Synth", swiftSettings: settings),
        .target(name: "GeoKitComponents", dependencies: ["GeoKitCore", "GeoKitData"], path: "Sources/GeoKit/Kernel/Components", swiftSettings: settings),
        .target(
            name: "GeoKitRecipes", dependencies: ["GeoKitCore", "GeoKitData", "GeoKitSynth", "GeoKitComponents"],
            path: "Sources/GeoKit/Kernel/Recipes", swiftSettings: settings),
        .target(
            name: "GeoKitTraining",
            dependencies: ["GeoKitCore", "GeoKitData", "GeoKitSynth", "GeoKitComponents", "GeoKitRecipes", "CCairo", "CMPI"],
            path: "Sources/GeoKit/Kernel/Training", swiftSettings: settings),
        .target(
            name: "GeoKitPlugins", dependencies: ["GeoKitCore", "GeoKitComponents", "GeoKitRecipes", "CFFI", "CGeoKitABI"],
            path: "Sources/GeoKit/Kernel/Plugins", swiftSettings: settings),
        // FAISS behind a small C bridge: Debian's libfaiss-dev ships only the static C++
        // library (position-independent, so it links into libGeoKit.so), which needs
        // OpenMP (libgomp) and BLAS/LAPACK.
        .systemLibrary(name: "CFaissBridge", path: "Sources/GeoKit/System/CFaissBridge"),
        .target(
            name: "FaissBridge", path: "Sources/GeoKit/Kernel/FaissBridge",
            linkerSettings: [.linkedLibrary("faiss"), .linkedLibrary("gomp"), .linkedLibrary("lapack"), .linkedLibrary("openblas")]),
        .target(
            name: "GeoKitEmbedding",
            dependencies: [
                "GeoKitCore", "GeoKitData", "GeoKitComponents", "GeoKitRecipes", "GeoKitTraining", "GeoKitPlugins", "COpenBLAS",
                "CFaissBridge", "FaissBridge"
            ],
            path: "Sources/GeoKit/Kernel/Embedding", swiftSettings: settings),
        .target(
            name: "GeoKit",
            dependencies: [
                "GeoKitCore", "GeoKitData", "GeoKitSynth", "GeoKitComponents", "GeoKitRecipes", "GeoKitTraining", "GeoKitPlugins",
                "GeoKitEmbedding"
            ],
            path: "Sources/GeoKit/Kernel/GeoKit", swiftSettings: settings)
    ]
)
