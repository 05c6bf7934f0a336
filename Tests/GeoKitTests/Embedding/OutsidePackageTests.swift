import Foundation
import GeoKit
import XCTest

/// GeoKit as a dependency of research code: a package outside the
/// repository that depends on it by URL and version, as a user's
/// `Package.swift` would (`.package(url: ".../geokit", from: "0.3.0")`).
/// The URL is a `file://` clone of this repository's HEAD (committed work
/// only), tagged with the kernel's version. The package holds an executable
/// that trains with the kernel and a plugin library that the in-tree
/// `geokit` loads: both link the kernel library, neither copies it.
final class OutsidePackageTests: XCTestCase {
    /// The outside package, built once per test run (a debug build: it
    /// compiles the whole kernel, and the script computes little).
    static let built: Result<(work: URL, products: URL), Error> = Result(catching: {
        let work = try PluginTestSupport.temporaryDirectory("outside-package")
        let clone = work.appendingPathComponent("geokit")
        for arguments in [
            ["clone", "--quiet", PluginTestSupport.repositoryRoot.path, clone.path],
            ["-C", clone.path, "tag", Backends.version]
        ] {
            let git = try PluginTestSupport.tool("git", arguments)
            guard git.exitedNormally, git.status == 0 else { throw GeoKitError("git \(arguments[0]) failed: \(git.stderr)", where: clone.path) }
        }
        let package = work.appendingPathComponent("research")
        try write(package: package, kernelURL: clone.absoluteString)
        let build = try PluginTestSupport.tool("swift", ["build", "--package-path", package.path])
        guard build.exitedNormally, build.status == 0 else {
            throw GeoKitError("swift build failed:\n\(build.stdout)\n\(build.stderr)", where: package.path)
        }
        return (work, package.appendingPathComponent(".build/debug"))
    })

    /// A package with the executable `probe` and the plugin `outsidegate`
    /// (the sources `geokit plugin new` writes), depending on GeoKit by URL.
    private static func write(package: URL, kernelURL: String) throws {
        let scaffold = try PluginTestSupport.run(
            PluginTestSupport.geokit, ["plugin", "new", "outsidegate", "--lang", "swift", "--out", package.path])
        guard scaffold.status == 0 else { throw GeoKitError("geokit plugin new failed: \(scaffold.stderr)", where: package.path) }
        let manifest = """
            // swift-tools-version:6.0
            import PackageDescription

            let package = Package(
                name: "research",
                products: [.library(name: "outsidegate", type: .dynamic, targets: ["outsidegate"])],
                dependencies: [.package(url: "\(kernelURL)", from: "\(Backends.version)")],
                targets: [
                    .target(
                        name: "outsidegate", dependencies: [.product(name: "GeoKit", package: "geokit")],
                        swiftSettings: [.swiftLanguageMode(.v5)]),
                    .executableTarget(
                        name: "probe", dependencies: [.product(name: "GeoKit", package: "geokit")],
                        swiftSettings: [.swiftLanguageMode(.v5)]),
                ]
            )

            """
        try manifest.write(to: package.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        let probe = package.appendingPathComponent("Sources/probe")
        try FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
        try probeSource.write(to: probe.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
    }

    /// A linear probe on GeM descriptors, trained by plain SGD: the loss of each step, then the kernel's version.
    static let probeSource = """
        import GeoKit

        GlobalRandom.seed(7)
        let gem = try Registry.shared.make(.aggregator, "gem", [:])
        let head = Linear(16, 4)
        let features = Tensor.randn([8, 16, 3, 3], seed: 1), target = Tensor.randn([8, 4], seed: 2)
        let sgd = SGD([ParameterGroup(parameters: head.parameters(), learningRate: 0.05, weightDecay: 0)])
        for _ in 0..<20 {
            let difference = head(gem(features)) - target
            let loss = (difference * difference).mean()
            print("loss", loss.item)
            loss.backward()
            sgd.step()
            sgd.zeroGrad()
        }
        print("kernel", Backends.version)

        """

    func testAnOutsidePackageDependsOnGeoKitByURLAndTrains() throws {
        let (_, products) = try OutsidePackageTests.built.get()
        let run = try PluginTestSupport.run(products.appendingPathComponent("probe"), [])
        XCTAssertTrue(run.exitedNormally && run.status == 0, run.stderr)
        let losses = run.stdout.split(separator: "\n").filter { $0.hasPrefix("loss ") }.compactMap { Double($0.dropFirst(5)) }
        XCTAssertEqual(losses.count, 20, run.stdout)
        XCTAssertTrue(run.stdout.contains("kernel \(Backends.version)"), run.stdout)
        // (1.93 down to 0.65 when written: the probe fits what 16 pooled channels can of random targets.)
        XCTAssertTrue(zip(losses, losses.dropFirst()).allSatisfy { $1 < $0 }, "every SGD step should lower the loss: \(losses)")
        XCTAssertGreaterThan(losses.first ?? 0, 2 * (losses.last ?? .infinity), "20 SGD steps should more than halve the loss: \(losses)")
        // The same script in this process, on the in-tree kernel: the outside build computes the same losses.
        GlobalRandom.seed(7)
        let gem = try Registry.shared.make(.aggregator, "gem", [:])
        let head = Linear(16, 4)
        let features = Tensor.randn([8, 16, 3, 3], seed: 1), target = Tensor.randn([8, 4], seed: 2)
        let sgd = SGD([ParameterGroup(parameters: head.parameters(), learningRate: 0.05, weightDecay: 0)])
        for (step, outside) in losses.enumerated() {
            let difference = head(gem(features)) - target
            let loss = (difference * difference).mean()
            XCTAssertEqual(loss.item, outside, accuracy: 1e-5 * max(1, abs(outside)), "step \(step)")
            loss.backward()
            sgd.step()
            sgd.zeroGrad()
        }
    }

    /// The outside package's plugin, loaded by the in-tree geokit: it links the process's one kernel library.
    func testAnOutsidePluginPackageLoadsIntoGeoKit() throws {
        let (work, products) = try OutsidePackageTests.built.get()
        XCTAssertTrue(FileManager.default.fileExists(atPath: products.appendingPathComponent("liboutsidegate.so").path))
        try ScaffoldTests.assertRunsAsAttention("outsidegate", pluginPath: products, work: work)
    }
}
