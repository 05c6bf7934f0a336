import Foundation
import GeoKit
import XCTest

/// University-1652 as the papers train it: an epoch holds each location once with one of its drone images drawn
/// per epoch, the drone and satellite images get their own augmentation (never the panorama's roll), a third
/// (street) view goes through the drone branch into the instance loss, and the gallery convention of the evaluation.
final class University1652TrainingTests: XCTestCase {
    private static let world: URL = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-u1652-training-world")

    /// A 12-location world (6 training locations with 4 drone views and 2 street views each, 32x32), generated once per process.
    private static func makeWorld() throws -> URL {
        if FileManager.default.fileExists(atPath: world.appendingPathComponent("gps.csv").path) { return world }
        var options = SynthOptions()
        options.layout = .university
        options.locations = 12
        options.seed = 8
        options.aerialSize = 32
        options.droneViews = 4
        options.droneSize = 32
        options.streetViews = 2
        (options.panoramaHeight, options.panoramaWidth) = (16, 64)
        options.testFraction = 0.5
        _ = try SynthWriter(options: options, root: world).write()
        return world
    }

    /// The location id of a University-1652 image: the name of its folder.
    private static func location(of file: URL) -> String { file.deletingLastPathComponent().lastPathComponent }

    // MARK: each location once per epoch

    /// Over four epochs, with the random and the GPS sampler: the training items are the 6 locations (not the 24
    /// drone images), no batch holds two images of one location (read from the drawn files' folders), each row's
    /// drone image is one of its location's and is the image the batch holds, and every location shows more than
    /// one of its drone images across the epochs.
    func testAnEpochHoldsEachLocationOnceAndDrawsItsDroneImagePerEpoch() throws {
        InTreePlugins.load()
        let root = try Self.makeWorld()
        let data = try TrainingData(
            dataset: .university1652(root: root.path, drone: .square(32), satellite: .square(32), augment: false), seed: 5
        ) { _ in }
        let sites = try University1652Dataset(root: root).locations(drone: "train/drone", satellite: "train/satellite")
        XCTAssertEqual(sites.count, 6)
        XCTAssertTrue(sites.allSatisfy { $0.drones.count == 4 }, "the generated copy has 4 drone images per location")
        XCTAssertEqual(data.train.count, 6, "one training item per location")
        XCTAssertEqual(data.locationCount, 6)
        XCTAssertEqual(data.views, 2)
        let gps = try Registry.shared.make(.sampler, "gps", ["select": 2, "range": 4])
        gps.useNeighbours(try NeighbourTable(try XCTUnwrap(data.neighbours, "the synthetic world's gps.csv matches the locations")))
        var shown: [String: Set<URL>] = [:]
        for sampler in [RandomSampler(), gps] as [BatchSampler] {
            for epoch in 0..<4 {
                var generator = RandomGenerator(seed: UInt64(10 + epoch))
                let batches = sampler.batches(locationCount: data.train.count, batchSize: 3, generator: &generator)
                XCTAssertFalse(batches.isEmpty)
                let stream = data.trainingStream(batches, epoch: epoch)
                for indices in batches {
                    let batch = try XCTUnwrap(try stream.next())
                    let files = indices.map { data.trainLoader.groundFile($0, epoch: epoch) }
                    let folders = files.map(Self.location(of:))
                    XCTAssertEqual(Set(folders).count, indices.count, "epoch \(epoch) batch \(indices) repeats a location: \(folders)")
                    for (row, (index, file)) in zip(indices, files).enumerated() {
                        let site = sites[index]
                        XCTAssertTrue(site.drones.contains(file), "\(file.path) is not a drone image of location \(site.id)")
                        XCTAssertEqual(Self.location(of: data.train[index].aerial), site.id)
                        shown[site.id, default: []].insert(file)
                        // The image the batch holds is the drawn one (unaugmented here).
                        let expected = data.input.stack([data.input.prepareGround(try Image(contentsOf: file))], view: .ground)
                        XCTAssertEqual(
                            batch.ground.sliced(axis: 0, row..<(row + 1)).scalars(as: Float.self), expected.scalars(as: Float.self),
                            "row \(row) of epoch \(epoch)")
                    }
                    XCTAssertNil(batch.street, "two views")
                }
            }
        }
        XCTAssertEqual(shown.count, 6)
        for (id, files) in shown { XCTAssertGreaterThan(files.count, 1, "location \(id) showed one drone image in every epoch") }
        // The draw is the seed's: another TrainingData of the same seed draws the same images.
        let again = try TrainingData(
            dataset: .university1652(root: root.path, drone: .square(32), satellite: .square(32), augment: false), seed: 5
        ) { _ in }
        XCTAssertEqual((0..<6).map { again.trainLoader.groundFile($0, epoch: 3) }, (0..<6).map { data.trainLoader.groundFile($0, epoch: 3) })
        // Unaugmented streams (evaluation, mining) read each location's first drone image.
        XCTAssertEqual((0..<6).map { data.trainLoader.groundFile($0, epoch: nil) }, sites.map { $0.drones[0] })
    }

    // MARK: augmentation

    /// A hand-made University-1652 copy whose drone and satellite images are grey with one bright column (x = 5 of
    /// 32): trained with the default augmentation but no pad or rotation, every sampled drone and satellite image
    /// has its bright column at 5 or, mirrored, at 26 — never where the panorama roll (8-column steps) or the
    /// quarter turn would put it — and both positions occur (the flip is on).
    func testThePanoramaRollNeverTouchesAUniversityImage() throws {
        let dir = try TemporaryDirectory("geokit-u1652-marked")
        var marked = Image(height: 32, width: 32, channels: 3, value: 100)
        for y in 0..<32 { for c in 0..<3 { marked[y, 5, c] = 250 } }
        let png = try PNG.encode(marked)
        for id in ["0001", "0002"] {
            for folder in ["train/drone", "test/query_drone", "test/gallery_drone"] {
                for name in ["a.png", "b.png"] { try AtomicFile.write(png, to: dir.file("\(folder)/\(id)/\(name)")) }
            }
            for folder in ["train/satellite", "test/gallery_satellite", "test/query_satellite"] {
                try AtomicFile.write(png, to: dir.file("\(folder)/\(id)/\(id).png"))
            }
        }
        var dataset = Dataset.university1652(root: dir.url.path, drone: .square(32), satellite: .square(32))
        (dataset.pad, dataset.satelliteRotation) = (0, 0)
        let data = try TrainingData(dataset: dataset, seed: 2) { _ in }
        func brightColumns(_ image: Image) -> Set<Int> {
            Set((0..<image.width).filter { x in (0..<image.height).allSatisfy { image[$0, x, 0] > 200 } })
        }
        var positions: Set<Set<Int>> = []
        for epoch in 0..<16 {
            for index in 0..<2 {
                let sample = try data.trainLoader.sample(index, epoch: epoch)
                for (view, image) in [("drone", sample.ground), ("satellite", sample.aerial)] {
                    let columns = brightColumns(image)
                    XCTAssertTrue(columns == [5] || columns == [26], "epoch \(epoch) item \(index) \(view): bright columns \(columns)")
                    positions.insert(columns)
                }
            }
        }
        XCTAssertEqual(positions, [[5], [26]], "the flip never happened")
    }

    /// The drone augmentation with its defaults keeps each view's size and is the seed's: the same generator seed
    /// gives the same pixels, another seed others. Pad-and-crop alone (no rotation, no flip) is the input shifted
    /// by at most the pad, edges replicated: the output equals the input read at one (dy, dx) in [-10, 10]^2.
    func testThePadCropKeepsTheSizeAndASeedReproducesIt() {
        var g = RandomGenerator(seed: 1)
        let pixels = (0..<(20 * 24 * 3)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        let image = Image(height: 20, width: 24, channels: 3, pixels: pixels)
        for view in [DroneAugmentation.View.drone, .satellite, .street] {
            var a = RandomGenerator(seed: 7), b = RandomGenerator(seed: 7), c = RandomGenerator(seed: 8)
            let augmentation = DroneAugmentation()
            let first = augmentation.apply(image, view: view, generator: &a)
            XCTAssertEqual([first.height, first.width, first.channels], [20, 24, 3], "\(view)")
            XCTAssertEqual(augmentation.apply(image, view: view, generator: &b).pixels, first.pixels, "\(view): the same seed")
            XCTAssertNotEqual(augmentation.apply(image, view: view, generator: &c).pixels, first.pixels, "\(view): another seed")
        }
        var padCrop = DroneAugmentation.none
        padCrop.pad = 10
        var shifts: Set<[Int]> = []
        for seed in 0..<12 {
            var r = RandomGenerator(seed: UInt64(seed))
            let out = padCrop.apply(image, view: .satellite, generator: &r)
            XCTAssertEqual([out.height, out.width], [20, 24])
            let matching = (-10...10).flatMap { dy in (-10...10).map { [dy, $0] } }.filter { shift in
                (0..<20).allSatisfy { y in
                    (0..<24).allSatisfy { x in
                        (0..<3).allSatisfy { out[y, x, $0] == image[min(max(y + shift[0], 0), 19), min(max(x + shift[1], 0), 23), $0] }
                    }
                }
            }
            XCTAssertEqual(matching.count, 1, "seed \(seed): the output is no single edge-replicated shift of the input")
            shifts.formUnion(matching)
        }
        XCTAssertGreaterThan(shifts.count, 1, "the crop never moved")
        XCTAssertEqual(image.paddedReplicatingEdges(2)[0, 0, 1], image[0, 0, 1])
        XCTAssertEqual(image.paddedReplicatingEdges(2)[23, 27, 2], image[19, 23, 2])
    }

    /// `rotated(degrees:)`: 0 degrees is the image, 90 is a counter-clockwise quarter turn (`rotated(quarterTurns: 3)`,
    /// torchvision's sense), and at 45 degrees the corners come from outside the image (black).
    func testARotationOfNinetyDegreesIsACounterClockwiseQuarterTurn() {
        var g = RandomGenerator(seed: 4)
        let image = Image(height: 9, width: 9, channels: 3, pixels: (0..<243).map { _ in UInt8(1 + g.next() % 255) })
        XCTAssertEqual(image.rotated(degrees: 0).pixels, image.pixels)
        XCTAssertEqual(image.rotated(degrees: 90).pixels, image.rotated(quarterTurns: 3).pixels)
        XCTAssertEqual(image.rotated(degrees: -90).pixels, image.rotated(quarterTurns: 1).pixels)
        let turned = image.rotated(degrees: 45)
        XCTAssertEqual((0..<3).map { turned[0, 0, $0] }, [0, 0, 0])
        XCTAssertEqual((0..<3).map { turned[4, 4, $0] }, (0..<3).map { image[4, 4, $0] }, "the centre stays")
    }

    // MARK: three views

    private func threeViewRecipe(root: URL) -> Recipe {
        Recipe("u1652-three") {
            Dataset.university1652(root: root.path, drone: .square(32), satellite: .square(32), views: 3, augment: false)
            Model(shareWeights: true) {
                Backbone("resnet18")
                Aggregator("avg")
                Head("classblock", ["bottleneck": 16, "dropout": 0.5])
            }
            Loss("instance")
            Train(epochs: 1, batchSize: 3, optimizer: .adamW(lr: 1e-3))
        }
    }

    /// The mean cross-entropy of logits (N, C) against `targets`, by hand in Double.
    private static func crossEntropy(_ logits: Tensor, _ targets: [Int]) -> Double {
        let (n, c) = (logits.shape[0], logits.shape[1]), v = logits.scalars(as: Double.self)
        return (0..<n).reduce(0.0) { sum, i in
            let row = v[(i * c)..<((i + 1) * c)], top = row.max()!
            return sum + top + Foundation.log(row.reduce(0.0) { $0 + Foundation.exp($1 - top) }) - row[i * c + targets[i]]
        } / Double(n)
    }

    /// A three-view batch of the generated copy holds each row's street image (one of its location's, prepared as
    /// the drone view); the instance loss of the three views equals the sum of the three views' cross-entropies
    /// computed by hand from their logits (and the two-view loss the sum of two); the backward runs and the street
    /// images receive a non-zero gradient, so they reach the loss through the model.
    func testAThreeViewStepSumsTheInstanceLossOverTheViewsAndTheStreetImagesReachTheModel() throws {
        InTreePlugins.load()
        let root = try Self.makeWorld()
        let recipe = threeViewRecipe(root: root)
        GlobalRandom.seed(4)
        let model = try CrossViewModel(recipe: recipe, loadPretrained: false)
        let data = try TrainingData(recipe: recipe) { _ in }
        XCTAssertEqual(data.views, 3)
        try model.prepareHead(locations: data.locationCount, seed: 4)
        let rows = [4, 0, 2]
        let batch = try XCTUnwrap(try data.trainingStream([rows], epoch: 1).next())
        let street = try XCTUnwrap(batch.street, "a three-view batch has street images")
        XCTAssertEqual(street.shape, [3, 3, 32, 32])
        let sites = try University1652Dataset(root: root).locations(drone: "train/drone", satellite: "train/satellite", street: "train/street")
        for (row, index) in rows.enumerated() {
            let file = try XCTUnwrap(data.trainLoader.streetFile(index, epoch: 1))
            XCTAssertTrue(sites[index].streets.contains(file), "\(file.path) is not a street image of location \(sites[index].id)")
            let expected = data.input.stack([data.input.prepareGround(try Image(contentsOf: file))], view: .ground)
            XCTAssertEqual(street.sliced(axis: 0, row..<(row + 1)).scalars(as: Float.self), expected.scalars(as: Float.self))
        }
        model.eval()
        let ids = rows.map { data.locationOfPair[$0] }
        let streetInput = street.requiringGrad()
        let loss = model.loss(ground: batch.ground, aerial: batch.aerial, street: streetInput, locationIDs: ids)
        let perView = [
            model.ground.outputs(batch.ground, view: "ground"), model.aerial.outputs(batch.aerial, view: "aerial"),
            model.ground.outputs(street, view: "street")
        ].map { Self.crossEntropy($0.logits[0], ids) }
        XCTAssertEqual(loss.item, perView.reduce(0, +), accuracy: 1e-4 * perView.reduce(0, +))
        let twoViews = model.loss(ground: batch.ground, aerial: batch.aerial, locationIDs: ids)
        XCTAssertEqual(twoViews.item, perView[0] + perView[1], accuracy: 1e-4 * perView.reduce(0, +))
        XCTAssertGreaterThan(perView[2], 0.1, "the street term is a real term")
        loss.backward()
        let gradient = try XCTUnwrap(streetInput.grad, "no gradient reached the street images").scalars(as: Double.self)
        XCTAssertTrue(gradient.allSatisfy(\.isFinite))
        XCTAssertGreaterThan(gradient.map(abs).reduce(0, +), 0, "the street images do not reach the loss")
    }

    /// What a loss records of each training batch the trainer gives it.
    private final class SpyLoss: Module, LossFunction {
        var views: [[String]] = []
        var rows: [[Int]] = []
        let instance = InstanceLoss()
        var needs: LossNeeds { LossNeeds(logits: true) }
        func loss(_ batch: LossBatch) -> Tensor {
            views.append(batch.views.map(\.name))
            rows.append(batch.views.map { $0.descriptor.shape[0] })
            return instance.loss(batch)
        }
    }

    /// The trainer hands the loss three views of every batch (ground, aerial, street, 3 rows each) for a
    /// three-view dataset, and the epoch's loss is finite; an epoch of 6 locations in batches of 3 is 2 steps.
    func testTheTrainerGivesTheLossTheStreetViewOfEveryBatch() throws {
        InTreePlugins.load()
        let root = try Self.makeWorld()
        let dir = try TemporaryDirectory("geokit-u1652-spy")
        GlobalRandom.seed(2)
        let spy = SpyLoss()
        let branch = try ViewBranch(backbone: Backbone("resnet18"), aggregator: Aggregator("avg"))
        let model = CrossViewModel(ground: branch, loss: spy, head: ClassBlockHead(bottleneck: 16))
        var dataset = Dataset.university1652(root: root.path, drone: .square(32), satellite: .square(32), views: 3)
        dataset.colourJitter = 0.1
        let data = try TrainingData(dataset: dataset, seed: 2, input: model.viewInput(dataset)) { _ in }
        let trainer = try Trainer(
            model: model, data: data, train: Train(epochs: 1, batchSize: 3, optimizer: .adamW(lr: 1e-3), seed: 2),
            evaluation: Evaluate(metrics: [.recall(1)]), directory: dir.file("run"), name: "spy")
        let summary = try trainer.run()
        XCTAssertEqual(spy.views, Array(repeating: ["ground", "aerial", "street"], count: 2))
        XCTAssertEqual(spy.rows, Array(repeating: [3, 3, 3], count: 2))
        XCTAssertTrue(try XCTUnwrap(summary.history.last?.loss).isFinite)
    }

    // MARK: the gallery convention

    /// Two drone queries (locations a, b: the unit vectors e1, e2) against a gallery of a, b and two distractors x, y
    /// no query has (unit vectors in 3-d). By hand: query a ranks x (0.9), a (0.7), b (0.6), y (0.1); query b ranks
    /// y (0.95), a (0.7), b (0.6), x (0.1).
    /// Original gallery: a's true item at rank 1, AP (0/1 + 1/2)/2 = 1/4; b's at rank 2, AP (0/2 + 1/3)/2 = 1/6;
    /// mean 20.83%, R@1 0. Sample4Geo's (x, y junk): a at rank 0, AP 1; b at rank 1, AP 1/4; mean 62.5%, R@1 50%.
    func testTheSample4GeoGalleryDropsLocationsNoQueryHasAndTheOriginalKeepsThem() {
        let file = URL(fileURLWithPath: "/unused.png")
        let direction = University1652Evaluation.Direction(
            name: "D->S", queryView: .ground, queries: [("a", file), ("b", file)],
            gallery: [("x", file), ("a", file), ("b", file), ("y", file)])
        let vectors: [String: [Float]] = [
            "x": [0.9, 0.1, 0.4243], "a": [0.7, 0.7, 0.1414], "b": [0.6, 0.6, 0.5292], "y": [0.1, 0.95, 0.2958]
        ]
        let queries = Tensor([1, 0, 0, 0, 1, 0] as [Float], shape: [2, 3])
        func figures(_ convention: Evaluate.GalleryConvention) -> [String: Double] {
            let scored = direction.scored(convention)
            let gallery = Tensor(scored.gallery.flatMap { vectors[$0.id]! }, shape: [scored.gallery.count, 3])
            return Evaluate.figures(queries: queries, gallery: gallery, positives: scored.positives, metrics: [.recall(1), .averagePrecision])
        }
        XCTAssertEqual(direction.scored(.original).gallery.map(\.id), ["x", "a", "b", "y"])
        XCTAssertEqual(direction.scored(.sample4geo).gallery.map(\.id), ["a", "b"])
        XCTAssertEqual(direction.scored(.sample4geo).positives, [[0], [1]])
        let original = figures(.original), sample4geo = figures(.sample4geo)
        XCTAssertEqual(original["AP"]!, 100 * (1.0 / 4 + 1.0 / 6) / 2, accuracy: 1e-9)
        XCTAssertEqual(original["R@1"]!, 0, accuracy: 1e-9)
        XCTAssertEqual(sample4geo["AP"]!, 100 * (1 + 1.0 / 4) / 2, accuracy: 1e-9)
        XCTAssertEqual(sample4geo["R@1"]!, 50, accuracy: 1e-9)
    }

    /// A Dataset value of another layout with three views (the typed API; `--set` refuses the setting there) is one
    /// error before anything is read or generated.
    func testThreeViewsOfAnotherLayoutAreOneError() {
        var dataset = Dataset.cvusa(root: "/nonexistent-cvusa")
        dataset.views = 3
        XCTAssertThrowsError(try TrainingData(dataset: dataset, seed: 0) { _ in }) { error in
            XCTAssertTrue("\(error)".contains("dataset.views is 3, and only University-1652 has a third (street) view"), "\(error)")
        }
    }

    /// `--set evaluate.gallery=sample4geo` and `--set dataset.views=3` reach the recipe; the defaults are the
    /// original gallery and two views.
    func testTheGalleryConventionAndTheViewsAreSettings() throws {
        let recipe = Recipe("u") { Dataset.university1652(root: "data") }
        XCTAssertEqual(recipe.evaluation.gallery, .original)
        XCTAssertEqual(recipe.dataset?.views, 2)
        try recipe.override(["evaluate.gallery=sample4geo", "dataset.views=3", "dataset.pad=4", "dataset.satelliteRotation=45"])
        XCTAssertEqual(recipe.evaluation.gallery, .sample4geo)
        XCTAssertEqual(recipe.dataset?.views, 3)
        XCTAssertEqual(recipe.dataset?.pad, 4)
        XCTAssertEqual(recipe.dataset?.satelliteRotation, 45)
    }
}
