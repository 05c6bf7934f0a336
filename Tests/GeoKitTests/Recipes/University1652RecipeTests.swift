import GeoKit
import XCTest

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
                Backbone("resnet18")
                Aggregator("gem")
            }
            Loss("infonce")
            Train(epochs: 1, batchSize: 4, optimizer: .adamW(lr: 1e-3))
        }
    }

    func testAnUntrainedModelIsScoredInBothDirections() throws {
        InTreePlugins.load()
        let root = try Self.makeWorld()
        let recipe = recipe(.university1652(root: root.path, drone: .square(32), satellite: .square(32)))
        let data = try TrainingData(recipe: recipe) { _ in }
        let model = try CrossViewModel(recipe: recipe)
        let figures = try model.heldOutFigures(data)
        XCTAssertEqual(figures.count, 10, "\(figures)")
        XCTAssertNil(figures["R@1"])
        // Each direction's figures, recomputed by hand from its descriptors.
        for direction in try XCTUnwrap(data.university).directions {
            let galleryView: CrossView = direction.queryView == .ground ? .aerial : .ground
            let queries = try model.embed(files: direction.queries.map(\.file), view: direction.queryView, input: data.input)
            let gallery = try model.embed(files: direction.gallery.map(\.file), view: galleryView, input: data.input)
            let expected = Self.handFigures(queries: queries, gallery: gallery, positives: direction.positives)
            for (metric, value) in expected {
                let got = try XCTUnwrap(figures["\(direction.name) \(metric)"], "missing \(direction.name) \(metric) in \(figures)")
                XCTAssertEqual(got, value, accuracy: 1e-9, "\(direction.name) \(metric)")
            }
        }

        let dataset = try University1652Dataset(root: root)
        XCTAssertEqual(data.train.map(\.id), try dataset.images("train/drone").map(\.id), "one training item per training location")
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

    /// A copy of the world with one distractor satellite (location 9999, which no query has) in test/gallery_satellite:
    /// the original convention ranks it (D->S gallery of 4), `evaluate.gallery=sample4geo` drops it (3); each
    /// convention's figures through `heldOutFigures` equal the hand computation over its own gallery, S->D is the
    /// same under both, and the distractor is the D->S gallery's last item under the original convention.
    func testTheGalleryConventionDecidesWhetherADistractorSatelliteIsRanked() throws {
        InTreePlugins.load()
        let copy = try TemporaryDirectory("geokit-u1652-distractor")
        let root = copy.file("world")
        try FileManager.default.copyItem(at: try Self.makeWorld(), to: root)
        let tile = try University1652Dataset(root: root).images("train/satellite")[0].files[0]
        try FileManager.default.createDirectory(at: root.appendingPathComponent("test/gallery_satellite/9999"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: tile, to: root.appendingPathComponent("test/gallery_satellite/9999/9999.jpg"))
        let recipe = recipe(.university1652(root: root.path, drone: .square(32), satellite: .square(32)))
        let data = try TrainingData(recipe: recipe) { _ in }
        let model = try CrossViewModel(recipe: recipe)
        let university = try XCTUnwrap(data.university)
        XCTAssertEqual(university.directions[0].gallery.count, 4)
        XCTAssertEqual(university.directions[0].gallery.last?.id, "9999")
        XCTAssertEqual(university.directions[0].scored(.sample4geo).gallery.map(\.id), Array(university.directions[0].gallery.map(\.id).prefix(3)))
        XCTAssertEqual(university.directions[1].scored(.sample4geo).gallery.count, university.directions[1].gallery.count)
        var byConvention: [Evaluate.GalleryConvention: [String: Double]] = [:]
        for convention in Evaluate.GalleryConvention.allCases {
            let figures = try model.heldOutFigures(data, gallery: convention)
            byConvention[convention] = figures
            for direction in university.directions.map({ $0.scored(convention) }) {
                let galleryView: CrossView = direction.queryView == .ground ? .aerial : .ground
                let queries = try model.embed(files: direction.queries.map(\.file), view: direction.queryView, input: data.input)
                let gallery = try model.embed(files: direction.gallery.map(\.file), view: galleryView, input: data.input)
                for (metric, value) in Self.handFigures(queries: queries, gallery: gallery, positives: direction.positives) {
                    XCTAssertEqual(
                        try XCTUnwrap(figures["\(direction.name) \(metric)"]), value, accuracy: 1e-9, "\(convention) \(direction.name) \(metric)")
                }
            }
        }
        for metric in ["R@1", "R@5", "AP"] { XCTAssertEqual(byConvention[.original]?["S->D \(metric)"], byConvention[.sample4geo]?["S->D \(metric)"]) }
    }

    /// R@1, R@5, R@10, R@1% and University-1652's AP from the descriptors with
    /// plain arithmetic: a query's true items ranked by descending dot product
    /// (ties to the lower index); R@k counts queries whose best true item is in
    /// the first k; AP averages, over true items at 0-based ranks r_0 < r_1 < ...,
    /// (i / r_i + (i + 1) / (r_i + 1)) / 2 (i / r_i read as 1 at r_i = 0).
    static func handFigures(queries: Tensor, gallery: Tensor, positives: [[Int]]) -> [String: Double] {
        let (q, g, d) = (queries.shape[0], gallery.shape[0], queries.shape[1])
        let qs = queries.scalars(as: Double.self), gs = gallery.scalars(as: Double.self)
        let onePercent = max(1, Int((Double(g) * 0.01).rounded(.up)))
        var hits: [Int: Int] = [:], apSum = 0.0
        for i in 0..<q {
            let similarity = (0..<g).map { j in (0..<d).reduce(0.0) { $0 + qs[i * d + $1] * gs[j * d + $1] } }
            let order = (0..<g).sorted { similarity[$0] != similarity[$1] ? similarity[$0] > similarity[$1] : $0 < $1 }
            let ranks = positives[i].map { order.firstIndex(of: $0)! }.sorted()
            for k in Set([1, 5, 10, onePercent]) where ranks[0] < k { hits[k, default: 0] += 1 }
            apSum += ranks.enumerated().reduce(0.0) { sum, item in
                let (n, r) = (Double(item.offset), Double(item.element))
                return sum + ((r == 0 ? 1 : n / r) + (n + 1) / (r + 1)) / 2 / Double(ranks.count)
            }
        }
        func percent(_ count: Int) -> Double { 100 * Double(count) / Double(q) }
        return [
            "R@1": percent(hits[1] ?? 0), "R@5": percent(hits[5] ?? 0), "R@10": percent(hits[10] ?? 0),
            "R@1%": percent(hits[onePercent] ?? 0), "AP": 100 * apSum / Double(q)
        ]
    }

    func testTheHandComputationItselfOnKnownDescriptors() {
        // Two queries, three gallery items on the unit circle: query 0 ranks the gallery 1, 0, 2 (true: 0 and 2),
        // query 1 ranks it 0, 1, 2 (true: 2).
        let queries = Tensor([1, 0, 0, 1] as [Float], shape: [2, 2])
        let gallery = Tensor([0.6, 0.8, 0.8, 0.6, -1, 0] as [Float], shape: [3, 2])
        let figures = Self.handFigures(queries: queries, gallery: gallery, positives: [[0, 2], [2]])
        XCTAssertEqual(figures["R@1"], 0)
        XCTAssertEqual(figures["R@5"], 100)
        // AP: query 0 has true items at ranks 1 and 2: ((0/1 + 1/2) / 2 + (1/2 + 2/3) / 2) / 2 = 0.41667;
        // query 1 at rank 2: (0/2 + 1/3) / 2 = 0.16667; mean 29.17%.
        XCTAssertEqual(figures["AP"]!, 100 * (0.5 * (0.25 + 7.0 / 12) + 1.0 / 6) / 2, accuracy: 1e-9)
        let metrics = RetrievalMetrics.evaluate(queries: queries, gallery: gallery, positives: [[0, 2], [2]], ks: [1, 5, 10])
        XCTAssertEqual(metrics.averagePrecision!, figures["AP"]!, accuracy: 1e-9)
    }

    func testPositivesAreTheGalleryItemsOfTheQuerysLocation() {
        let positives = University1652Evaluation.positives(
            queryIDs: ["b", "a", "c"],
            galleryIDs: ["a", "a", "b", "c", "b", "a", "c"])
        XCTAssertEqual(positives, [[2, 4], [0, 1, 5], [3, 6]])
    }

    func testTheSyntheticUniversityLayoutTrainsDronesAgainstSatellites() throws {
        InTreePlugins.load()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-u1652-synthetic-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let recipe = recipe(
            .synthetic(
                locations: 4, difficulty: .easy, testFraction: 0.5, layout: .university, droneViews: 2,
                ground: .square(32), aerial: .square(32)))
        try recipe.override(["dataset.root=\(root.path)"])
        let data = try TrainingData(recipe: recipe) { _ in }
        XCTAssertEqual(data.train.count, 2, "2 training locations (each with 2 drone views, drawn per epoch)")
        XCTAssertEqual(data.epochViews?.ground.map(\.count), [2, 2])
        XCTAssertTrue(data.train.allSatisfy { $0.ground.path.contains("/train/drone/") && $0.aerial.path.contains("/train/satellite/") })
        XCTAssertEqual(data.university?.directions.map { $0.queries.count }, [4, 2])
    }
}
