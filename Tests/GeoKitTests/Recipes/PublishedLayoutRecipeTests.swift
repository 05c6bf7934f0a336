import GeoKit
import XCTest

/// CVACT and VIGOR in recipes, on tiny synthetic worlds in their layouts: the reader's own location data feeds the
/// GPS sampler, VIGOR is scored with its gallery, semi-positives and metres, and a run trains on each.
final class PublishedLayoutRecipeTests: XCTestCase {
    private func recipe(_ layout: SynthOptions.Layout, root: URL, epochs: Int = 1) throws -> Recipe {
        InTreePlugins.load()
        let recipe = Recipe("layout-\(layout)") {
            Dataset.synthetic(
                locations: layout == .vigor ? 40 : 24, difficulty: .easy, seed: 4, layout: layout, ground: .panorama(16, 64),
                aerial: layout == .vigor ? .square(32) : .polar(16, 64))
            Model(shareWeights: true) {
                Backbone("resnet18")
                Aggregator("gem")
            }
            Loss("infonce")
            Sampler("gps")
            Train(epochs: epochs, batchSize: 4, optimizer: .adamW(lr: 1e-3))
        }
        try recipe.override(["dataset.root=\(root.path)"])
        return recipe
    }

    func testCVACTsUTMTableGivesTheNeighbours() throws {
        let dir = try TemporaryDirectory("geokit-cvact-recipe")
        let recipe = try recipe(.cvact, root: dir.file("world"))
        let data = try TrainingData(recipe: recipe) { _ in }
        let dataset = try CVACTDataset(root: dir.file("world"))
        XCTAssertEqual(data.train.map(\.id), dataset.train.map(\.id))
        XCTAssertEqual(data.neighbours, dataset.locations.neighbours(split: "train"), "neighbours by UTM distance, in training order")
        XCTAssertNil(data.vigor)
        let figures = try CrossViewModel(recipe: recipe).heldOutFigures(data)
        XCTAssertEqual(Set(figures.keys), ["R@1", "R@5", "R@10", "R@1%"])
    }

    func testVIGORIsScoredWithItsGalleryAndSemiPositives() throws {
        let dir = try TemporaryDirectory("geokit-vigor-recipe")
        let recipe = try recipe(.vigor, root: dir.file("world"))
        try recipe.override(["dataset.area=cross"])
        let data = try TrainingData(recipe: recipe) { _ in }
        let vigor = try XCTUnwrap(data.vigor)
        XCTAssertEqual(vigor.split.cities, ["Chicago", "SanFrancisco"])
        XCTAssertEqual(data.neighbours?.count, data.train.count)
        let model = try CrossViewModel(recipe: recipe)
        let figures = try model.heldOutFigures(data)
        // The same figures from the descriptors, through the hand-checked metric code.
        let queries = try model.embed(files: vigor.split.queries.map(\.url), view: .ground, input: data.input)
        let gallery = try model.embed(files: vigor.split.gallery.map(\.url), view: .aerial, input: data.input)
        let expected = VIGOREvaluation.figures(
            queries: queries, gallery: gallery, split: vigor.split, metrics: Evaluate.standardMetrics(university: false))
        XCTAssertEqual(figures, expected)
        XCTAssertGreaterThanOrEqual(figures["hit rate"]!, figures["R@1"]!, "a query whose positive ranks first is a hit")
    }

    func testARunTrainsOnVIGORAndRecordsItsFigures() throws {
        let dir = try TemporaryDirectory("geokit-vigor-run")
        let trainer = try Trainer(recipe: try recipe(.vigor, root: dir.file("world"), epochs: 2), directory: dir.file("run"))
        let summary = try trainer.run()
        XCTAssertEqual(summary.history.map(\.epoch), [0, 1, 2], "the untrained baseline, then two epochs")
        for name in VIGOREvaluation.extraNames { XCTAssertNotNil(summary.final[name], "\(name) in \(summary.final)") }
        let losses = summary.history.dropFirst().compactMap(\.loss)
        XCTAssertEqual(losses.count, 2)
        XCTAssertLessThan(losses[1], losses[0], "the loss falls from the first epoch to the second: \(losses)")
    }
}
