import GeoKit

/// The files of `geokit plugin new NAME --lang swift`: a SwiftPM package
/// depending on this GeoKit's kernel package by path, building a dynamic
/// library with one attention component (a learnable channel gate), in the
/// shape of the in-tree plugins: one file declaring the components, and the
/// shared entry points (Plugins/PluginEntry.swift) beside it.
struct SwiftPluginTemplate {
    let name: String
    let kernelPackage: String
    /// SwiftPM's identity of the kernel package (its directory's name), which a product dependency names.
    let kernelIdentity: String

    private var typeName: String { name.prefix(1).uppercased() + name.dropFirst() + "Attention" }

    func files() throws -> [(path: String, text: String)] {
        [
            ("Package.swift", package), ("Sources/\(name)/\(name).swift", source),
            ("Sources/\(name)/PluginEntry.swift", try PluginSDK.swiftEntryPoints()), ("README.md", readme)
        ]
    }

    private var package: String {
        """
        // swift-tools-version:6.0
        // A GeoKit plugin: a dynamic library that geokit loads at start. It links
        // the one GeoKit kernel library of the process (no copy of its own).
        import PackageDescription

        let package = Package(
            name: "\(name)",
            products: [.library(name: "\(name)", type: .dynamic, targets: ["\(name)"])],
            dependencies: [.package(path: "\(kernelPackage)")],
            targets: [
                .target(
                    name: "\(name)",
                    dependencies: [.product(name: "GeoKit", package: "\(kernelIdentity)")],
                    swiftSettings: [.swiftLanguageMode(.v5)]),
            ]
        )

        """
    }

    private var source: String {
        """
        import GeoKit

        /// attention:\(name): a learnable gate per channel, y = x * 2 sigmoid(gate[c]),
        /// the identity at initialisation (gate = 0). Replace it with your module:
        /// any composition of GeoKit's differentiable ops gets its backward for free.
        public final class \(typeName): Module, AttentionModule, InputShapeChecking {
            public let gate: Tensor

            public init(channels: Int) {
                gate = Tensor.zeros([1, channels, 1, 1])
                super.init()
                registerParameter("gate", gate)
            }

            /// Refuses, with a message, a map of another channel count than the gate's.
            public func checkInput(shape: [Int]) throws {
                guard shape.count == 4, shape[1] == gate.shape[1] else {
                    throw GeoKitError("attention:\(name) was built for \\(gate.shape[1]) channels, the input has shape \\(shape)",
                                      remedy: "set channels to the input's channel count")
                }
            }

            public override func callAsFunction(_ x: Tensor) -> Tensor {
                x * (gate.sigmoid() * 2)
            }
        }

        /// The plugin's components (the type PluginEntry.swift registers).
        enum Plugin: GeoKitPlugin {
            static func register(into registry: Registry) throws {
                try registry.register(
                    .attention, "\(name)", summary: "a learnable gate per channel (the \(name) plugin)",
                    parameters: [ParameterSpec("channels", .int(64), "input channels C", bounds: .between(1, 65536))]
                ) { p in
                    \(typeName)(channels: p.int("channels"))
                }
            }
        }

        """
    }

    private var readme: String {
        """
        # \(name): a GeoKit attention plugin in Swift

        Build it (the first build compiles the GeoKit kernel package too):

        ```sh
        swift build -c release
        ```

        Use it: point geokit at the build directory (or copy `.build/release/lib\(name).so`
        to `~/.geokit/plugins/`), then list it and run it on an array:

        ```sh
        export GEOKIT_PLUGIN_PATH=$PWD/.build/release
        geokit plugins --kind attention
        python3 -c "import numpy as np; np.save('x.npy', np.random.randn(2, 8, 4, 4).astype('float32'))"
        geokit forward --component attention:\(name) --set channels=8 --input x.npy --output y.npy
        ```

        `Sources/\(name)/\(name).swift` holds the module and its registration;
        `Sources/\(name)/PluginEntry.swift` holds the library's two C entry points,
        the same in every Swift plugin (leave it as it is). See
        docs/plugins.md in the GeoKit tree for the whole story.

        """
    }
}
