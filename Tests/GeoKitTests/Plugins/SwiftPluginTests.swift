import Foundation
import GeoKit
import XCTest

/// The out-of-tree Swift plugin (Examples/swift-attention-plugin, its own
/// SwiftPM package depending on the kernel package by path) and the Swift
/// scaffold of `geokit plugin new`, built with `swift build` and loaded:
/// one kernel in memory.
final class SwiftPluginTests: XCTestCase {
    /// One scratch directory for every Swift plugin the tests build, so that
    /// the kernel package is compiled once (about two minutes) per checkout.
    static let scratch = PluginTestSupport.repositoryRoot.appendingPathComponent(".build/plugin-tests")

    static func build(_ package: URL) throws -> URL {
        let outcome = try PluginTestSupport.tool(
            "swift",
            [
                "build", "-c", "release", "--package-path", package.path,
                "--scratch-path", scratch.path
            ])
        guard outcome.exitedNormally, outcome.status == 0 else {
            throw GeoKitError("swift build failed:\n\(outcome.stdout)\n\(outcome.stderr)", where: package.path)
        }
        return scratch.appendingPathComponent("release")
    }

    /// The example, built once per test run and loaded into this process.
    static let example: Result<URL, Error> = Result(catching: {
        let products = try build(PluginTestSupport.repositoryRoot.appendingPathComponent("Examples/swift-attention-plugin"))
        let library = products.appendingPathComponent("libSwiftAttentionPlugin.so")
        try PluginLoader.load(library.path)
        return library
    })

    func testThePluginSeesTheHostsRegistryAndGradMode() throws {
        let library = try SwiftPluginTests.example.get()
        let handle = try XCTUnwrap(dlopen(library.path, RTLD_NOW | RTLD_NOLOAD), "the plugin should already be loaded")
        defer { dlclose(handle) }
        typealias RegistryProbe = @convention(c) () -> UnsafeMutableRawPointer
        typealias GradProbe = @convention(c) () -> Bool
        let pluginRegistry = unsafeBitCast(try XCTUnwrap(dlsym(handle, "swift_attention_plugin_registry")), to: RegistryProbe.self)
        let pluginGradEnabled = unsafeBitCast(try XCTUnwrap(dlsym(handle, "swift_attention_plugin_grad_enabled")), to: GradProbe.self)

        let seenByPlugin = Unmanaged<Registry>.fromOpaque(pluginRegistry()).takeUnretainedValue()
        XCTAssertTrue(seenByPlugin === Registry.shared, "the plugin has a registry of its own: a second kernel is loaded")
        XCTAssertTrue(GradMode.isEnabled)
        XCTAssertTrue(pluginGradEnabled())
        noGrad { XCTAssertFalse(pluginGradEnabled(), "the plugin does not see the host's noGrad") }
        XCTAssertTrue(pluginGradEnabled())

        // The process maps one kernel library, although the plugin's build directory holds another copy.
        let maps = try XCTUnwrap(FileHandle(forReadingAtPath: "/proc/self/maps")).readDataToEndOfFile()
        let kernels = Set(
            String(decoding: maps, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
                guard let slash = line.firstIndex(of: "/"), line.hasSuffix("/libGeoKit.so") else { return nil }
                return String(line[slash...])
            })
        XCTAssertEqual(kernels.count, 1, "\(kernels)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: library.deletingLastPathComponent().appendingPathComponent("libGeoKit.so").path))
    }

    func testItsComponentIsBuiltByTheHostsRegistryAndTrainsInTheHostsAutograd() throws {
        let library = try SwiftPluginTests.example.get()
        let entry = try Registry.shared.entry(.attention, "cbam_spatial")
        XCTAssertEqual(entry.source, library.resolvingSymlinksInPath().path)
        let gate = try Registry.shared.make(.attention, "cbam_spatial", ["kernel": .int(3)])
        XCTAssertEqual(gate.stateDict().map(\.name), ["conv.weight"])
        XCTAssertEqual(gate.stateDict().first?.tensor.shape, [1, 2, 3, 3])
        let x = Tensor.randn([2, 4, 5, 5], seed: 1).requiringGrad()
        let y = gate(x)
        XCTAssertEqual(y.shape, x.shape)
        y.sum().backward()
        XCTAssertEqual(x.grad?.shape, x.shape)
        XCTAssertNotNil(gate.parameters().first?.grad)
        XCTAssertThrowsError(try Registry.shared.make(.attention, "cbam_spatial", ["kernel": .int(4)])) { error in
            XCTAssertTrue("\(error)".contains("kernel must be odd"), "\(error)")
        }
    }

    /// The example's spatial gate against plain arithmetic: a = conv3x3([max_c x, mean_c x])
    /// (zero padding, no bias), y = x * sigmoid(a); and the weight gradient of sum(y),
    /// sum over positions of (sum_c x) s (1 - s) times the pooled map under each tap.
    func testTheSpatialGateMatchesAHandComputation() throws {
        _ = try SwiftPluginTests.example.get()
        let gate = try Registry.shared.make(.attention, "cbam_spatial", ["kernel": .int(3)])
        let weight = try XCTUnwrap(gate.parameters().first)
        noGrad { weight.fill { 0.1 * Double($0 % 5) - 0.2 } }
        let w = weight.scalars(as: Double.self)  // [1, 2, 3, 3]
        let (channels, height, width) = (2, 2, 3)
        let xs: [Double] = [0.5, -1, 2, 1.5, 0, -0.5, 1, 1, -2, 0.25, 3, 0.5]  // channel 0, then channel 1
        let x = Tensor(xs.map(Float.init), shape: [1, channels, height, width])
        func at(_ c: Int, _ i: Int, _ j: Int) -> Double { xs[(c * height + i) * width + j] }
        // The pooled maps: 0 the channel max, 1 the channel mean; zero outside the map.
        func pooled(_ p: Int, _ i: Int, _ j: Int) -> Double {
            guard (0..<height).contains(i), (0..<width).contains(j) else { return 0 }
            let column = (0..<channels).map { at($0, i, j) }
            return p == 0 ? column.max()! : column.reduce(0, +) / Double(channels)
        }
        var expected = [Double](repeating: 0, count: xs.count), expectedGrad = [Double](repeating: 0, count: w.count)
        for i in 0..<height {
            for j in 0..<width {
                var a = 0.0
                for p in 0..<2 { for di in 0..<3 { for dj in 0..<3 { a += w[(p * 3 + di) * 3 + dj] * pooled(p, i + di - 1, j + dj - 1) } } }
                let s = 1 / (1 + exp(-a))
                for c in 0..<channels { expected[(c * height + i) * width + j] = at(c, i, j) * s }
                let upstream = (0..<channels).map { at($0, i, j) }.reduce(0, +) * s * (1 - s)
                for p in 0..<2 { for di in 0..<3 { for dj in 0..<3 { expectedGrad[(p * 3 + di) * 3 + dj] += upstream * pooled(p, i + di - 1, j + dj - 1) } } }
            }
        }
        let y = gate(x)
        for (got, want) in zip(y.scalars(as: Double.self), expected) { XCTAssertEqual(got, want, accuracy: 1e-5) }
        y.sum().backward()
        for (got, want) in zip(try XCTUnwrap(weight.grad).scalars(as: Double.self), expectedGrad) { XCTAssertEqual(got, want, accuracy: 1e-5) }
    }

    /// Every in-tree method plugin and the example compile the one shared entry file.
    func testEverySwiftPluginsEntryPointsAreTheSharedFile() throws {
        let root = PluginTestSupport.repositoryRoot
        let shared = root.appendingPathComponent("Plugins/PluginEntry.swift").path
        let folders =
            ["AENet", "LPN", "RKNet", "SAFA", "Sample4Geo"].map { "Plugins/\($0)" }
            + ["Examples/swift-attention-plugin/Sources/SwiftAttentionPlugin"]
        for folder in folders {
            let entry = root.appendingPathComponent(folder + "/PluginEntry.swift")
            XCTAssertEqual(entry.resolvingSymlinksInPath().path, shared, folder)
            let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)
            for file in files where file != "PluginEntry.swift" {
                let text = try String(contentsOf: root.appendingPathComponent(folder + "/" + file), encoding: .utf8)
                XCTAssertFalse(text.contains("geokit_plugin_init"), "\(folder)/\(file) declares an entry point of its own")
            }
        }
    }

    /// `geokit plugin new NAME --lang swift` writes the shared entry file, builds, and the CLI loads it and runs it.
    func testTheSwiftScaffoldBuildsAndRuns() throws {
        _ = try SwiftPluginTests.example.get()
        let work = try PluginTestSupport.temporaryDirectory("swift-scaffold")
        let created = try PluginTestSupport.run(
            PluginTestSupport.geokit,
            [
                "plugin", "new", "swiftgate", "--lang", "swift",
                "--out", work.appendingPathComponent("swiftgate").path
            ])
        XCTAssertEqual(created.status, 0, created.stderr)
        let shared = PluginTestSupport.repositoryRoot.appendingPathComponent("Plugins/PluginEntry.swift")
        let written = work.appendingPathComponent("swiftgate/Sources/swiftgate/PluginEntry.swift")
        XCTAssertEqual(try String(contentsOf: written, encoding: .utf8), try String(contentsOf: shared, encoding: .utf8))
        let products = try SwiftPluginTests.build(work.appendingPathComponent("swiftgate"))
        try ScaffoldTests.assertRunsAsAttention("swiftgate", pluginPath: products, work: work)
    }
}
