import GeoKit
import XCTest

/// The pictures from the command line: `geokit explain`, `geokit search --picture`, `geokit --version`,
/// and the one-message failures of explain's bad input.
final class ReportCommandTests: XCTestCase {
    private func geokit(_ arguments: [String]) throws -> GeoKitProcess.Result {
        try GeoKitProcess.run(arguments, cache: RecipeSandbox.cache)
    }

    func testExplainAndSearchDrawTheirPicturesForATrainedRun() throws {
        let box = try RecipeSandbox()
        let recipe = try box.recipe("pictures", RecipeSandbox.tinyRecipe(name: "pictures", epochs: 1))
        let run = box.directory("pictures-run")
        let trained = try geokit(["run", recipe, "--out", run.path])
        XCTAssertEqual(trained.status, 0, trained.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent("report.html").path))

        // A test location's own panorama: its aerial tile is the true reference.
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: run.appendingPathComponent("metrics.json")))
        XCTAssertEqual(summary.recipeFile, recipe)
        let world = try XCTUnwrap(trained.output.split(separator: "\n").first { $0.hasPrefix("streaming ") }?.split(separator: " ").last).description
        let test = try CVUSADataset(root: URL(fileURLWithPath: world)).test
        let query = test[0].ground.path

        let explained = box.directory("explain.png")
        let explain = try geokit(["explain", "--run", run.path, query, "--out", explained.path])
        XCTAssertEqual(explain.status, 0, explain.output)
        XCTAssertTrue(explain.output.contains("wrote 1 maps (class activation (final features))"), explain.output)
        let heat = try PNG.decode(Data(contentsOf: explained))
        XCTAssertEqual(heat.height, 22 + 10 + 18 + 128 + 10, "a caption and one row")

        let strip = box.directory("search.png")
        let search = try geokit([
            "search", query, "--gallery", world, "--recipe", recipe, "--weights", run.appendingPathComponent("last.safetensors").path, "--picture",
            strip.path
        ])
        XCTAssertEqual(search.status, 0, search.output)
        let picture = try PNG.decode(Data(contentsOf: strip))
        XCTAssertEqual(ImageChecks.runs(picture, row: Int(RetrievalPicture.gap + 16 + RetrievalPicture.tileHeight / 2)), 6, "query and top 5")
        let trueRank = search.output.split(separator: "\n").firstIndex { $0.contains(" \(test[0].id) ") }
        let green = ImageChecks.pixels(picture, near: (20, 160, 60))
        XCTAssertEqual(green > 400, trueRank != nil, "the true reference is framed exactly when it is in the top 5:\n\(search.output)")
    }

    func testExplainsBadInputEndsInOneMessage() throws {
        let box = try RecipeSandbox()
        let image = box.directory("query.png")
        try PNG.encode(Image(height: 8, width: 32, channels: 3, value: 90)).write(to: image)
        let empty = box.directory("empty-run")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        assertRefused(
            try geokit(["explain", "--run", empty.path, image.path, "--out", box.directory("a.png").path]), saying: ["the run directory has no metrics.json"])
        try Data("{}".utf8).write(to: empty.appendingPathComponent("metrics.json"))
        assertRefused(
            try geokit(["explain", "--run", empty.path, image.path, "--out", box.directory("a.png").path]),
            saying: ["metrics.json is not a GeoKit run summary"])
        assertRefused(
            try geokit(["explain", "--run", empty.path, box.directory("missing.png").path, "--out", box.directory("a.png").path]),
            saying: ["missing.png"])
        assertRefused(try geokit(["explain", "--run", empty.path, image.path, "--out", box.root.path]), saying: ["--out is a directory"])
        // A run summary naming its recipe, but no checkpoint beside it; then one naming none.
        let recipe = try box.recipe("tiny", RecipeSandbox.tinyRecipe())
        func summary(_ recipeFile: String?) throws {
            let named = recipeFile.map { ", \"recipeFile\": \"\($0)\"" } ?? ""
            let json = "{\"recipe\": \"tiny\", \"components\": [], \"final\": {}, \"history\": [], \"trainingSeconds\": 0\(named)}"
            try Data(json.utf8).write(to: empty.appendingPathComponent("metrics.json"))
        }
        try summary(recipe)
        assertRefused(
            try geokit(["explain", "--run", empty.path, image.path, "--out", box.directory("a.png").path]),
            saying: ["the run directory has no last.safetensors"])
        try summary(nil)
        assertRefused(
            try geokit(["explain", "--run", empty.path, image.path, "--out", box.directory("a.png").path]),
            saying: ["the run does not record its recipe file"])
    }

    func testVersionNamesTheABIAndTheBLASCore() throws {
        let result = try geokit(["--version"])
        XCTAssertEqual(result.status, 0, result.output)
        let lines = result.output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "geokit \(Backends.version)")
        XCTAssertTrue(lines.contains("C ABI: \(PluginABI.version)"), result.output)
        XCTAssertTrue(lines.contains { $0.hasPrefix("BLAS: OpenBLAS (core ") && $0.contains("threads)") }, result.output)
    }
}
