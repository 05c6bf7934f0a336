import Foundation
import GeoKit
import XCTest

final class AugmentationLoaderTests: XCTestCase {
    /// A scene with a red tower at `bearing`; returns its aerial tile and panorama.
    private func landmarkViews(bearing: Double) -> (Image, Image) {
        let scene = SynthScene(centerEast: 0, centerNorth: 0, radius: 60)
        let b = bearing * Double.pi / 180
        scene.paint(
            SynthPrimitive(
                .disc(east: 24 * sin(b), north: 24 * cos(b), radius: 2.5), surface: .person,
                height: 14, top: SIMD3(0.95, 0.05, 0.05)))
        return (
            scene.renderAerial(pixels: 128, conditions: CaptureConditions()),
            scene.renderPanorama(height: 32, width: 128, conditions: CaptureConditions())
        )
    }

    private func reddestColumn(_ image: Image) -> Int {
        var best = (0, -1)
        for x in 0..<image.width {
            var score = 0
            for y in 0..<image.height { score += max(0, Int(image[y, x, 0]) - (Int(image[y, x, 1]) + Int(image[y, x, 2])) / 2 - 80) }
            if score > best.1 { best = (x, score) }
        }
        return best.0
    }

    /// Mirroring and quarter turns move the landmark to the same column in both views.
    func testGeometricAugmentationsKeepViewsAligned() {
        let (aerial, panorama) = landmarkViews(bearing: 70)
        let polar = PolarTransform(aerialSize: 128, height: 32, width: 128)
        var pairs = [(aerial.flippedHorizontally(), panorama.panoramaMirrored())]
        for k in 1...3 { pairs.append((aerial.rotated(quarterTurns: k), panorama.rolled(columns: -k * 32))) }
        for (k, (a, p)) in pairs.enumerated() {
            let column = reddestColumn(p)
            XCTAssertEqual(Double(reddestColumn(polar.apply(a))), Double(column), accuracy: 2, "case \(k)")
            XCTAssertNotEqual(column, reddestColumn(panorama), "case \(k) moved the landmark")
        }
        XCTAssertEqual(aerial.rotated(quarterTurns: 1).rotated(quarterTurns: 3), aerial)
        XCTAssertEqual(panorama.panoramaCrop(degrees: 90, centreColumn: 64).width, 32)
    }

    func testPairAugmentationIsDeterministicForAGenerator() {
        let (aerial, panorama) = landmarkViews(bearing: 10)
        var augmentation = PairAugmentation()
        augmentation.erasingProbability = 1
        augmentation.fieldOfView = 180
        var g1 = RandomGenerator(seed: 3), g2 = RandomGenerator(seed: 3), g3 = RandomGenerator(seed: 4)
        let a = augmentation.apply(aerial: aerial, ground: panorama, generator: &g1)
        let b = augmentation.apply(aerial: aerial, ground: panorama, generator: &g2)
        let c = augmentation.apply(aerial: aerial, ground: panorama, generator: &g3)
        XCTAssertEqual(a.aerial, b.aerial)
        XCTAssertEqual(a.ground, b.ground)
        XCTAssertEqual(a.ground.width, 64)
        XCTAssertNotEqual(a.aerial, c.aerial)
        let none = PairAugmentation.none.apply(aerial: aerial, ground: panorama, generator: &g1)
        XCTAssertEqual(none.aerial, aerial)
        XCTAssertEqual(none.ground, panorama)
    }

    func testLoaderBatchesAreDeterministicAndReportCorruptFiles() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-loader-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: root)
        defer { try? FileManager.default.removeItem(at: root) }
        var options = SynthOptions()
        options.locations = 12
        options.testFraction = 0.25
        options.aerialSize = 64
        options.panoramaHeight = 32
        options.panoramaWidth = 128
        try SynthWriter(options: options, root: root).write()
        let dataset = try CVUSADataset(root: root)
        var configuration = CrossViewLoader.Configuration()
        configuration.batchSize = 4
        configuration.input = ViewInput(groundSize: (32, 128), aerialTileSize: 64, aerialSize: (32, 128), polar: true)
        configuration.augmentation = PairAugmentation()
        configuration.prefetch = 2
        let loader = CrossViewLoader(pairs: dataset.train, configuration: configuration, seed: 9)
        func collect(_ epoch: Int) throws -> [CrossViewBatch] {
            let stream = loader.epoch(epoch)
            var out: [CrossViewBatch] = []
            while let batch = try stream.next() { out.append(batch) }
            return out
        }
        XCTAssertEqual(dataset.train.count, 9, "12 locations, a quarter held out")
        let order0 = loader.order(epoch: 0)
        XCTAssertEqual(order0, [6, 7, 0, 1, 2, 3, 4, 5, 8], "the seeded shuffle of epoch 0 for seed 9")
        XCTAssertEqual(loader.order(epoch: 1), [4, 8, 6, 0, 5, 2, 3, 1, 7], "epoch 1 shuffles anew")
        XCTAssertEqual(
            CrossViewLoader(pairs: dataset.train, configuration: configuration, seed: 10).order(epoch: 0), [8, 1, 5, 7, 6, 0, 2, 4, 3],
            "another seed, another order")
        XCTAssertEqual(
            CrossViewLoader(pairs: dataset.train, configuration: configuration, seed: 9).order(epoch: 0), order0,
            "the order depends on (seed, epoch) only")

        let first = try collect(0), again = try collect(0), other = try collect(1)
        // 9 pairs in batches of 4 with the last incomplete batch dropped: the first 8 of the order.
        XCTAssertEqual(first.map(\.indices), [Array(order0[0..<4]), Array(order0[4..<8])])
        XCTAssertEqual(other.map(\.indices), [Array(loader.order(epoch: 1)[0..<4]), Array(loader.order(epoch: 1)[4..<8])])
        XCTAssertEqual(first[0].aerial.shape, [4, 3, 32, 128])
        XCTAssertEqual(first[0].ground.shape, [4, 3, 32, 128])
        for (x, y) in zip(first, again) {
            XCTAssertEqual(x.indices, y.indices)
            XCTAssertEqual(x.aerial.scalars(), y.aerial.scalars())
            XCTAssertEqual(x.ground.scalars(), y.ground.scalars())
        }
        // Item k of a batch is sample(indices[k], epoch), normalised: the threads put each sample in its place.
        let plane = 3 * 32 * 128
        for k in [0, 3] {
            let sample = try loader.sample(first[1].indices[k], epoch: 0)
            XCTAssertEqual(
                Array(first[1].aerial.scalars(as: Float.self)[(k * plane)..<((k + 1) * plane)]),
                ViewInput.stack([sample.aerial], statistics: .imageNet).scalars(as: Float.self), "aerial \(k)")
            XCTAssertEqual(
                Array(first[1].ground.scalars(as: Float.self)[(k * plane)..<((k + 1) * plane)]),
                ViewInput.stack([sample.ground], statistics: .imageNet).scalars(as: Float.self), "ground \(k)")
        }

        var keepLast = configuration
        keepLast.dropLast = false
        keepLast.shuffle = false
        let unshuffled = CrossViewLoader(pairs: dataset.train, configuration: keepLast, seed: 9)
        XCTAssertEqual(unshuffled.order(epoch: 4), Array(0..<9))
        let stream = unshuffled.epoch(4)
        XCTAssertEqual(stream.count, 3)
        var batches: [[Int]] = []
        while let batch = try stream.next() { batches.append(batch.indices) }
        XCTAssertEqual(batches, [[0, 1, 2, 3], [4, 5, 6, 7], [8]], "without dropLast the last batch holds the remaining pair")

        // An abandoned stream stops its producer (this would hang otherwise), and the epoch can be read again whole.
        do {
            let abandoned = loader.epoch(2)
            XCTAssertEqual(try abandoned.next()?.indices, Array(loader.order(epoch: 2)[0..<4]))
        }
        XCTAssertEqual(try collect(2).map(\.indices), [Array(loader.order(epoch: 2)[0..<4]), Array(loader.order(epoch: 2)[4..<8])])

        let victim = dataset.train[loader.order(epoch: 3)[1]].ground
        try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]).write(to: victim)
        let broken = loader.epoch(3)
        XCTAssertThrowsError(try broken.next()) { XCTAssertTrue("\($0)".contains(victim.path), "\($0)") }
        XCTAssertNil(try broken.next(), "the stream ends after the error")
    }
}
