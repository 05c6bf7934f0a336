import Foundation
import GeoKit
import XCTest

/// `--checkpoint best|last|FILE` of the retrieval commands and export, and `evaluate.best`, through the built
/// `geokit`: a one-epoch run chooses best.safetensors by default, and each bad choice is one message and exit 1.
final class CheckpointCommandTests: XCTestCase {
    private func geokit(_ arguments: [String]) throws -> GeoKitProcess.Result {
        try GeoKitProcess.run(arguments, cache: RecipeSandbox.cache)
    }

    func testCheckpointChoicesAndTheirErrors() throws {
        let box = try RecipeSandbox()
        let recipe = try box.recipe("tiny", RecipeSandbox.tinyRecipe(epochs: 1))
        let run = box.directory("run")
        // evaluate.best naming no figure: refused before training, nothing written.
        assertRefused(
            try geokit(["run", recipe, "--out", run.path, "--set", "evaluate.best=R@3"]),
            saying: ["evaluate.best is 'R@3', not one of the figures this run reports (R@1, R@5, R@10, R@1%)"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.appendingPathComponent("last.safetensors").path))

        let trained = try geokit(["run", recipe, "--out", run.path])
        XCTAssertEqual(trained.status, 0, trained.output)
        let best = try Checkpoint.read(run.appendingPathComponent("best.safetensors")).best
        XCTAssertEqual(best?.epoch, 1, "the one trained epoch is the best so far")
        // eval loads best by default, and last by choice (as a file): the same epoch here, so the same figures.
        let json = box.directory("best.json"), lastJSON = box.directory("last.json")
        XCTAssertEqual(try geokit(["eval", "--recipe", recipe, "--run", run.path, "--json", json.path]).status, 0)
        let viaLast = try geokit([
            "eval", "--recipe", recipe, "--checkpoint", run.appendingPathComponent("last.safetensors").path, "--json", lastJSON.path
        ])
        XCTAssertEqual(viaLast.status, 0, viaLast.output)
        let figures = try JSONDecoder().decode([String: Double].self, from: Data(contentsOf: json))
        XCTAssertEqual(figures["R@1"], best?.value)
        XCTAssertEqual(try JSONDecoder().decode([String: Double].self, from: Data(contentsOf: lastJSON)), figures)

        assertRefused(
            try geokit(["eval", "--recipe", recipe, "--checkpoint", box.directory("missing.safetensors").path]), saying: ["no checkpoint file"])
        let corrupt = box.directory("corrupt.safetensors")
        try Data("not a safetensors file".utf8).write(to: corrupt)
        assertRefused(try geokit(["eval", "--recipe", recipe, "--checkpoint", corrupt.path]), saying: [corrupt.path])
        assertRefused(
            try geokit(["eval", "--recipe", recipe, "--checkpoint", "best", "--weights", corrupt.path]),
            saying: ["both --weights and --checkpoint are given"])

        let empty = box.directory("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let out = box.directory("export").path
        assertRefused(
            try geokit(["export", empty.path, "--recipe", recipe, "--checkpoint", "best", "--out", out]),
            saying: ["the run directory has no best.safetensors"])
        assertRefused(
            try geokit(["export", empty.path, "--recipe", recipe, "--out", out]), saying: ["the run directory has no last.safetensors"])
        assertRefused(
            try geokit(["export", run.path, "--recipe", recipe, "--checkpoint", "worst", "--out", out]),
            saying: ["--checkpoint is 'worst', not best or last"])
        let exported = try geokit(["export", run.path, "--recipe", recipe, "--checkpoint", "last", "--out", out])
        XCTAssertEqual(exported.status, 0, exported.output)
    }
}
