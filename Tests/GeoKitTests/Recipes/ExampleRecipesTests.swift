import GeoKit
import XCTest

/// Where this repository keeps things the recipe tests build against; the
/// kernel package's path is here only, so moving the package (issue 13) is
/// one line.
enum RepositoryLayout {
    static let root = PluginTestSupport.repositoryRoot
    /// The kernel package (product "GeoKit"): the root; SwiftPM names it after its directory.
    static let kernelPackage = root
    static let kernelIdentity = root.lastPathComponent.lowercased()
    static let examples = root.appendingPathComponent("Examples")
}

/// Every example recipe compiles through the real recipe compiler and
/// builds its model; and a recipe is plain Swift that type-checks in any
/// package depending on the kernel.
final class ExampleRecipesTests: XCTestCase {
    private var exampleFiles: [URL] {
        ((try? FileManager.default.contentsOfDirectory(atPath: RepositoryLayout.examples.path)) ?? [])
            .filter { $0.hasSuffix(".swift") }.sorted().map { RepositoryLayout.examples.appendingPathComponent($0) }
    }

    func testEveryExampleRecipeCompilesAndBuildsItsModel() throws {
        XCTAssertGreaterThanOrEqual(exampleFiles.count, 6, "Examples/*.swift")
        for file in exampleFiles {
            let result = try GeoKitProcess.run(["run", file.path, "--dry"], cache: RecipeSandbox.cache)
            XCTAssertEqual(result.status, 0, "\(file.lastPathComponent):\n\(result.output)")
            let name = file.deletingPathExtension().lastPathComponent
            XCTAssertTrue(result.output.hasPrefix("recipe \(name)\n"), "\(file.lastPathComponent):\n\(result.output)")
            XCTAssertTrue(result.output.contains("total parameters: "), "\(file.lastPathComponent):\n\(result.output)")
        }
    }

    /// Each ablation base recipe dry-runs as written and with every variant its header lists
    /// (`//   ... --set a=b --out runs/x`), so the commands of docs/examples.md's ablation table stay valid.
    func testEveryAblationRecipeAndEachVariantOfItsHeaderDryRun() throws {
        let folder = RepositoryLayout.examples.appendingPathComponent("ablations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }.sorted()
        XCTAssertEqual(files, ["aenet.swift", "rknet.swift", "sample4geo.swift"])
        for name in files {
            let file = folder.appendingPathComponent(name)
            let variants = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
                .filter { $0.hasPrefix("//   ... --set ") }
                .map { line in line.split(separator: " ").map(String.init).drop { $0 != "--set" }.prefix { $0 != "--out" } }
            XCTAssertFalse(variants.isEmpty, "\(name) lists no variant")
            for variant in [[]] + variants.map(Array.init) {
                let result = try GeoKitProcess.run(["run", file.path, "--dry"] + variant, cache: RecipeSandbox.cache)
                XCTAssertEqual(result.status, 0, "\(name) \(variant):\n\(result.output)")
                for pair in stride(from: 1, to: variant.count, by: 2) {
                    let (key, value) = (variant[pair].split(separator: "=")[0], variant[pair].split(separator: "=")[1])
                    XCTAssertTrue(result.output.contains("\(key) = \(value)"), "\(name): --dry does not show \(variant[pair]):\n\(result.output)")
                }
            }
        }
    }

    /// Slow when it runs first (it builds the kernel in release, minutes; the Swift plugin tests
    /// reuse that build): a throwaway SwiftPM package depending on the
    /// kernel by path, whose executable holds Examples/quickstart.swift verbatim and a
    /// main.swift printing `recipe.name`.
    func testARecipeTypeChecksAsPlainSwiftInAnyPackage() throws {
        let environment = ProcessInfo.processInfo.environment
        guard
            let swift = (environment["PATH"] ?? "").split(separator: ":").map({ "\($0)/swift" })
                .first(where: FileManager.default.isExecutableFile(atPath:))
        else { throw XCTSkip("swift is not on PATH") }
        let base = FileManager.default.temporaryDirectory
        // The Swift plugin tests' scratch directory, so the kernel is compiled once for every package that depends on it by path.
        let package = base.appendingPathComponent("geokit-recipe-package"), scratch = SwiftPluginTests.scratch
        let sources = package.appendingPathComponent("Sources/RecipeCheck")
        try? FileManager.default.removeItem(at: sources)
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        try """
        // swift-tools-version:6.0
        import PackageDescription
        let package = Package(
            name: "RecipeCheck",
            dependencies: [.package(path: "\(RepositoryLayout.kernelPackage.path)")],
            targets: [.executableTarget(name: "RecipeCheck", dependencies: [.product(name: "GeoKit", package: "\(RepositoryLayout.kernelIdentity)")])]
        )
        """.write(to: package.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            at: RepositoryLayout.examples.appendingPathComponent("quickstart.swift"),
            to: sources.appendingPathComponent("quickstart.swift"))
        try "print(recipe.name)\n".write(to: sources.appendingPathComponent("main.swift"), atomically: true, encoding: .utf8)
        // The kernel's own dependency from the root build's checkout, so the test needs no network.
        let numerics = RepositoryLayout.root.appendingPathComponent(".build/checkouts/swift-numerics")
        let configuration = package.appendingPathComponent(".swiftpm/configuration")
        try FileManager.default.createDirectory(at: configuration, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: numerics.path) {
            try #"{"object": [{"mirror": "\#(numerics.path)", "original": "https://github.com/apple/swift-numerics"}], "version": 1}"#
                .write(to: configuration.appendingPathComponent("mirrors.json"), atomically: true, encoding: .utf8)
        }

        let build = try run(swift, ["build", "-c", "release", "--package-path", package.path, "--scratch-path", scratch.path])
        XCTAssertEqual(build.status, 0, build.output)
        let check = try run(scratch.appendingPathComponent("release/RecipeCheck").path, [])
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertEqual(check.output, "quickstart\n")
    }

    private func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
