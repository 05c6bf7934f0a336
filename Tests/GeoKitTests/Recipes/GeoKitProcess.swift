import Foundation
import XCTest

/// Runs the `geokit` executable built beside the test bundle as a child
/// process, with its own recipe and world cache, capturing its output.
struct GeoKitProcess {
    struct Result {
        let status: Int32
        let output: String
        /// True when the process ended by an uncaught signal (a trap), not by exit.
        var signalled = false
    }

    /// The build directory: the one holding the test bundle (and geokit).
    static var buildDirectory: URL {
        var url = Bundle.main.bundleURL
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") { url = bundle.bundleURL }
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("geokit").path) && url.path != "/" {
            url.deleteLastPathComponent()
        }
        return url
    }

    static var executable: URL { buildDirectory.appendingPathComponent("geokit") }

    /// Runs `geokit arguments...` with GEOKIT_CACHE set to `cache` (and `environment` added); output is
    /// standard output and error together.
    static func run(_ arguments: [String], cache: URL, environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GEOKIT_CACHE"] = cache.path
        environment.merge(extra) { $1 }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: data, as: UTF8.self),
            signalled: process.terminationReason == .uncaughtSignal)
    }
}

/// The CLI's refusal of bad input: exit 1 by exit() (no signal, no "Fatal error"), exactly one "Error: " line,
/// holding every phrase.
func assertRefused(_ result: GeoKitProcess.Result, saying phrases: [String], file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertFalse(result.signalled, "ended by a signal:\n\(result.output)", file: file, line: line)
    XCTAssertEqual(result.status, 1, result.output, file: file, line: line)
    let errors = result.output.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
    XCTAssertEqual(errors.count, 1, "expected one error message:\n\(result.output)", file: file, line: line)
    let message = String(errors.first ?? "")
    for phrase in phrases {
        XCTAssertTrue(message.contains(phrase), "missing '\(phrase)' in: \(message)", file: file, line: line)
    }
    XCTAssertFalse(result.output.contains("Fatal error"), result.output, file: file, line: line)
}

/// A temporary directory with the recipes a test writes, removed at the end.
final class RecipeSandbox {
    let root: URL
    /// Shared by every test of a process, so the synthetic world is generated once.
    static let cache: URL = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-recipe-tests-cache")

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-recipes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// Writes `source` as NAME.swift and returns its path.
    func recipe(_ name: String, _ source: String) throws -> String {
        let url = root.appendingPathComponent("\(name).swift")
        try source.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func directory(_ name: String) -> URL { root.appendingPathComponent(name) }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// A tiny recipe on a tiny synthetic world (96 locations, 32x128 views:
    /// 4 epochs take R@1 from 4.2% to 12.5%); the arguments replace parts of it by text.
    static func tinyRecipe(
        name: String = "tiny", dataset: String? = nil, aggregator: String = "gem", loss: String = "Loss(\"infonce\")",
        epochs: Int = 2, extra: String = ""
    ) -> String {
        """
        import GeoKit
        \(extra)
        let recipe = Recipe("\(name)") {
            \(dataset ?? "Dataset.synthetic(locations: 96, difficulty: .easy, testFraction: 0.25, sameArea: true, ground: .panorama(32, 128), aerial: .polar(32, 128))")
            Model(shareWeights: true) {
                Backbone("resnet18")
                Aggregator("\(aggregator)")
            }
            \(loss)
            Sampler("random")
            Train(epochs: \(epochs), batchSize: 8, optimizer: .adamW(lr: 1e-3), schedule: .cosine(warmupEpochs: 0.5))
            Evaluate(every: 1)
        }
        """
    }
}
