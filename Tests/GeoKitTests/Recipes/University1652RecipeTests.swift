import XCTest
import GeoKit

/// University-1652 in recipes: on a tiny synthetic world in that layout, an
/// untrained model is scored in both directions through the path `geokit
/// eval` uses, with every drone image of a location true for a satellite query.
final class University1652RecipeTests: XCTestCase {
    private static let world: URL = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-u1652-tests-world")

    /// A 6-location world (3 test locations, 3 drone views of 32x32 each), generated once per process.
    private static func makeWorld() throws -> URL {
        if FileManager.default.fileExists(atPath: world.appendingPathComponent("gps.csv").path) { return world }
        var options = SynthOptions()
        options.layout = .university
        options.locations = 6
        options.seed = 3
        options.aerialSize = 32
        options.droneViews = 3
        options.droneSize = 32
        (options.panoramaHeight, options.panoramaWidth) = (16, 64)
        options.testFraction = 0.5
        _ = try SynthWriter(options: options, root: world).write()
        return world
    }

    private func recipe(_ dataset: Dataset) -> Recipe {
        Recipe("u1652") {
            dataset
            Model(shareWeights: true) {
                BackboneSpec("resnet18")
                AggregatorSpec("gem")
            }
            LossSpec("infonce")
            Train(epochs: 1, batchSize: 4, optimizer: .adamW(lr: 1e-3))
        }
    }

    func testAnUntrainedModelIsScoredInBothDirections() throws {
        InTreePlugins.load()
        let root = try Self.makeWorld()
        let recipe = recipe(.university1652(root: root.path, drone: .square(32), satellite: .square(32)))
        let data = try TrainingData(settings: recipe.settings) { _ in }
        let model = try CrossViewModel(recipe: recipe)
        let figures = try model.heldOutFigures(data)
        for direction in ["D->S", "S->D"] {
            for metric in ["R@1", "R@5", "R@10", "R@1%", "AP"] {
                let value = try XCTUnwrap(figures["\(direction) \(metric)"], "missing \(direction) \(metric) in \(figures)")
                XCTAssertTrue((0...100).contains(value), "\(direction) \(metric) = \(value)")
            }
        }
        XCTAssertNil(figures["R@1"])

        let dataset = try University1652Dataset(root: root)
        let trainDrones = try dataset.images("train/drone").reduce(0) { $0 + $1.files.count }
        XCTAssertEqual(data.train.count, trainDrones, "one training pair per training drone image")
        let university = try XCTUnwrap(data.university)
        XCTAssertEqual(university.directions.map(\.name), ["D->S", "S->D"])
        let droneCounts = Dictionary(uniqueKeysWithValues: try dataset.images("test/gallery_drone").map { ($0.id, $0.files.count) })
        let satelliteToDrone = university.directions[1]
        XCTAssertFalse(satelliteToDrone.queries.isEmpty)
        for (query, positives) in zip(satelliteToDrone.queries, satelliteToDrone.positives) {
            XCTAssertEqual(positives.count, droneCounts[query.id], "S->D positives of location \(query.id)")
            XCTAssertTrue(positives.allSatisfy { satelliteToDrone.gallery[$0].id == query.id })
        }
        let droneToSatellite = university.directions[0]
        XCTAssertTrue(droneToSatellite.positives.allSatisfy { $0.count == 1 }, "each drone query has one true satellite image")
    }

    func testPositivesAreTheGalleryItemsOfTheQuerysLocation() {
        let positives = University1652Evaluation.positives(queryIDs: ["b", "a", "c"],
                                                           galleryIDs: ["a", "a", "b", "c", "b", "a", "c"])
        XCTAssertEqual(positives, [[2, 4], [0, 1, 5], [3, 6]])
    }

    func testTheSyntheticUniversityLayoutTrainsDronesAgainstSatellites() throws {
        InTreePlugins.load()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-u1652-synthetic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let recipe = recipe(.synthetic(locations: 4, difficulty: "easy", testFraction: 0.5, layout: "university", droneViews: 2,
                                       ground: .square(32), aerial: .square(32)))
        try recipe.override(["dataset.root=\(root.path)"])
        let data = try TrainingData(settings: recipe.settings) { _ in }
        XCTAssertEqual(data.train.count, 4, "2 training locations x 2 drone views")
        XCTAssertTrue(data.train.allSatisfy { $0.ground.path.contains("/train/drone/") && $0.aerial.path.contains("/train/satellite/") })
        XCTAssertEqual(data.university?.directions.map { $0.queries.count }, [4, 2])
    }
}
