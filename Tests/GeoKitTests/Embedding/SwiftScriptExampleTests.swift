import Foundation
import GeoKit
import XCTest

/// Examples/embedding-swift (docs/embedding.md, "The Swift API in a script"): a package of its own with an
/// attention module written inline, built with `swift build -c release` from a temporary copy and run on a tiny
/// world for two epochs.
final class SwiftScriptExampleTests: XCTestCase {
    /// The script prints each epoch's loss and the best checkpoint's held-out figures: the loss falls, and the
    /// figures it computes alone (a fresh model, best.safetensors, `heldOutFigures`) are the ones the trainer
    /// recorded for that epoch in metrics.json.
    func testTheScriptTrainsItsOwnModuleAndEvaluatesIt() throws {
        let root = PluginTestSupport.repositoryRoot
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-embedding-swift-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: copy) }
        try FileManager.default.copyItem(at: root.appendingPathComponent("Examples/embedding-swift"), to: copy)
        let manifest = copy.appendingPathComponent("Package.swift")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        XCTAssertTrue(text.contains("let geokit = \"../..\""), "the example depends on the kernel by relative path")
        try text.replacingOccurrences(of: "let geokit = \"../..\"", with: "let geokit = \"\(root.path)\"")
            .write(to: manifest, atomically: true, encoding: .utf8)
        let products = try SwiftPluginTests.build(copy)

        // The model zoo (resnet18) and Sample4Geo (loss:infonce) on the plugin path, as docs/embedding.md sets it up.
        let plugins = copy.appendingPathComponent("plugins")
        try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
        for name in ["libBackbonesPlugin.so", "libSample4GeoPlugin.so"] {
            try FileManager.default.createSymbolicLink(
                at: plugins.appendingPathComponent(name), withDestinationURL: PluginTestSupport.productsDirectory.appendingPathComponent(name))
        }
        let outcome = try PluginTestSupport.run(
            products.appendingPathComponent("EmbeddingSwift"), [copy.appendingPathComponent("world").path, "2", "96"],
            environment: ["GEOKIT_PLUGIN_PATH": plugins.path], in: copy)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.stdout + outcome.stderr)
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        // The script's own lines "epoch N loss X" (the trainer's log lines start with "epoch" too).
        let losses = lines.compactMap { line -> Double? in
            let words = line.split(separator: " ")
            return words.count == 4 && words[0] == "epoch" && Int(words[1]) != nil && words[2] == "loss" ? Double(words[3]) : nil
        }
        XCTAssertEqual(losses.count, 2, outcome.stdout)
        XCTAssertLessThan(try XCTUnwrap(losses.last), try XCTUnwrap(losses.first), outcome.stdout)

        let summary = try JSONDecoder().decode(
            RunSummary.self, from: Data(contentsOf: copy.appendingPathComponent("runs/embedding-swift/metrics.json")))
        let best = try Checkpoint.read(copy.appendingPathComponent("runs/embedding-swift/best.safetensors")).best
        let recorded = try XCTUnwrap(summary.history.first { $0.epoch == best?.epoch }?.metrics)
        let printed = try XCTUnwrap(lines.first { $0.hasPrefix("held-out ") }, outcome.stdout)
        XCTAssertTrue(printed.hasPrefix("held-out 24 queries, best.safetensors (epoch \(best!.epoch)): "), printed)
        XCTAssertTrue(printed.hasSuffix(Trainer.format(recorded, order: ["R@1", "R@5", "R@1%"])), "\(printed) vs \(recorded)")
        XCTAssertEqual(summary.components.first { $0.hasPrefix("attention0=") }, "attention0=attention:ChannelGate")
    }
}
