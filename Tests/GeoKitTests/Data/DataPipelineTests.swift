import GeoKit
import XCTest

/// The one data pipeline as training uses it: memory is bounded by its
/// queue, not by the dataset, and the batches a sampler composed come out
/// as composed, with the same augmentation draws in every run.
final class DataPipelineTests: XCTestCase {
    private func recipe(root: URL, epochs: Int = 1) throws -> Recipe {
        InTreePlugins.load()
        let recipe = Recipe("pipeline") {
            Dataset.synthetic(
                locations: 40, difficulty: .easy, testFraction: 0.25, sameArea: true,
                ground: .panorama(32, 128), aerial: .polar(32, 128), colourJitter: 0.2, erasing: 0.3)
            Model(shareWeights: true) {
                Backbone("resnet18")
                Aggregator("gem")
            }
            Loss("infonce")
            Train(epochs: epochs, batchSize: 4, optimizer: .adamW(lr: 1e-3))
        }
        try recipe.override(["dataset.root=\(root.path)"])
        return recipe
    }

    private func temporaryDirectory(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-pipeline-\(name)-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testTrainingNeverHoldsMoreDecodedBatchesThanTheQueueBound() throws {
        let trainer = try Trainer(recipe: try recipe(root: temporaryDirectory("world")), directory: temporaryDirectory("run"))
        try trainer.run()
        // 30 training pairs make 7 batches of 4: a pipeline that decoded ahead without bound would reach 7.
        XCTAssertGreaterThanOrEqual(trainer.loaderHighWaterMark, 1, "the training batches came through the pipeline")
        XCTAssertLessThanOrEqual(trainer.loaderHighWaterMark, TrainingData.prefetch + 1)
    }

    func testASlowConsumerFillsTheQueueToItsBoundAndNoFurther() throws {
        let data = try TrainingData(recipe: try recipe(root: temporaryDirectory("world"))) { _ in }
        let batches = (0..<7).map { b in (0..<4).map { 4 * b + $0 } }
        do {
            let stream = data.trainingStream(batches, epoch: 0)
            var seen: [[Int]] = []
            while let batch = try stream.next() {
                // A step slower than decoding: the producer runs ahead until the queue is full.
                Thread.sleep(forTimeInterval: 0.05)
                seen.append(batch.indices)
            }
            XCTAssertEqual(seen, batches, "the batches come out as the sampler composed them, in order")
        }
        XCTAssertEqual(
            data.trainLoader.liveBatchHighWaterMark, TrainingData.prefetch + 1,
            "the queue (prefetch) plus the batch the consumer holds, and never more")
        XCTAssertEqual(data.trainLoader.liveBatches, 0, "every decoded batch is freed once the consumer drops it")
    }

    func testOrderAndAugmentationPerSeedAndEpochAreTheSameInEveryRun() throws {
        let root = temporaryDirectory("world")
        let recipe = try recipe(root: root)
        let first = try TrainingData(recipe: recipe) { _ in }, second = try TrainingData(recipe: recipe) { _ in }
        let batches = [[5, 2, 9, 0], [17, 3, 11, 8]]
        func read(_ data: TrainingData, epoch: Int) throws -> [(indices: [Int], ground: [Float], aerial: [Float])] {
            let stream = data.trainingStream(batches, epoch: epoch)
            var out: [(indices: [Int], ground: [Float], aerial: [Float])] = []
            while let batch = try stream.next() { out.append((batch.indices, batch.ground.scalars(), batch.aerial.scalars())) }
            return out
        }
        let a = try read(first, epoch: 3), b = try read(second, epoch: 3), other = try read(first, epoch: 4)
        XCTAssertEqual(a.map(\.indices), batches)
        XCTAssertEqual(b.map(\.indices), batches)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.ground, y.ground, "ground of \(x.indices) in a second run")
            XCTAssertEqual(x.aerial, y.aerial, "aerial of \(x.indices) in a second run")
        }
        XCTAssertNotEqual(a[0].ground, other[0].ground, "another epoch draws other augmentations")
        // Each item is its own sample's draw (seed, epoch, index), whatever batch it sits in.
        let plane = 3 * 32 * 128
        let alone = try first.trainLoader.sample(11, epoch: 3)
        XCTAssertEqual(Array(a[1].ground[(2 * plane)..<(3 * plane)]), ViewInput.stack([alone.ground], statistics: .imageNet).scalars(as: Float.self))
        XCTAssertEqual(Array(a[1].aerial[(2 * plane)..<(3 * plane)]), ViewInput.stack([alone.aerial], statistics: .imageNet).scalars(as: Float.self))
        // Evaluation reads the same pipeline unaugmented: the held-out split in order.
        let evaluation = first.evaluationStream(.test, chunk: 4)
        var indices: [Int] = []
        while let batch = try evaluation.next() { indices += batch.indices }
        XCTAssertEqual(indices, Array(0..<first.test.count))
    }
}
