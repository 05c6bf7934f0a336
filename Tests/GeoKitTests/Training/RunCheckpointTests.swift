import Foundation
import GeoKit
import XCTest

/// last.safetensors, best.safetensors, metrics.csv and flip test-time augmentation.
final class RunCheckpointTests: XCTestCase {
    private static func recipe(epochs: Int, root: URL) throws -> Recipe {
        let recipe = Recipe("checkpoints") {
            Dataset.synthetic(locations: 40, difficulty: .easy, seed: 6, sameArea: true, ground: .panorama(16, 64), aerial: .polar(16, 64))
            Model(shareWeights: true) {
                Backbone("resnet18")
                Aggregator("gem")
            }
            Loss("infonce")
            Train(epochs: epochs, batchSize: 4, optimizer: .adamW(lr: 3e-3), seed: 2)
            Evaluate(every: 1, metrics: [.recall(1), .recall(5)])
        }
        try recipe.override(["dataset.root=\(root.path)"])
        return recipe
    }

    /// A five-epoch run trained one epoch per session (resuming from last.safetensors each time), the weights after
    /// every epoch kept aside: best.safetensors holds the weights of the trained epoch with the highest R@1 in
    /// metrics.json's history (the earliest of equal ones), records that epoch and value, and holds no optimiser
    /// state; metrics.csv holds one row per optimiser step with the step losses metrics.json records, and one row
    /// per evaluation with its figures, none repeated by the resumes.
    func testBestIsTheBestEpochAndMetricsCSVHasEveryStep() throws {
        InTreePlugins.load()
        let dir = try TemporaryDirectory("geokit-best")
        let run = dir.file("run")
        let recipe = try Self.recipe(epochs: 5, root: dir.file("world"))
        var weightsAfter: [Int: [String: Tensor]] = [:]
        for epoch in 1...5 {
            _ = try Trainer(recipe: recipe, directory: run, appendLog: epoch > 1, loadPretrained: epoch == 1).run(resume: epoch > 1, stopAfter: epoch)
            weightsAfter[epoch] = try Checkpoint.read(run.appendingPathComponent("last.safetensors")).weights
        }
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: run.appendingPathComponent("metrics.json")))
        var expected: (epoch: Int, value: Double)?
        for record in summary.history where record.epoch > 0 {
            let value = try XCTUnwrap(record.metrics?["R@1"])
            if expected == nil || value > expected!.value { expected = (record.epoch, value) }
        }
        let best = try Checkpoint.read(run.appendingPathComponent("best.safetensors"))
        XCTAssertEqual(best.best?.epoch, expected?.epoch, "history: \(summary.history.map { ($0.epoch, $0.metrics?["R@1"] ?? -1) })")
        XCTAssertEqual(best.best?.value, expected?.value)
        XCTAssertEqual(best.best?.figure, "R@1")
        XCTAssertNil(best.metadata)
        XCTAssertEqual(best.optimizerState.count, 0)
        let kept = try XCTUnwrap(weightsAfter[expected!.epoch])
        XCTAssertEqual(Set(best.weights.keys), Set(kept.keys))
        for (key, tensor) in kept { XCTAssertEqual(best.weights[key]?.scalars(as: Float.self), tensor.scalars(as: Float.self), key) }

        let lines = try String(contentsOf: run.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "epoch,step,loss,lr,images_per_s,R@1,R@5")
        XCTAssertEqual(lines.filter { $0.hasPrefix("epoch,") }.count, 1, "header once")
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let steps = rows.filter { !$0[1].isEmpty }, evaluations = rows.filter { $0[1].isEmpty }
        let stepLosses = summary.history.flatMap { $0.stepLosses ?? [] }
        XCTAssertEqual(steps.map { Double($0[2])! }, stepLosses)
        XCTAssertEqual(steps.map { Int($0[1])! }, Array(1...stepLosses.count), "optimiser steps 1, 2, ... once each")
        XCTAssertEqual(steps.map { Int($0[0])! }, summary.history.filter { $0.epoch > 0 }.flatMap { r in (r.stepLosses ?? []).map { _ in r.epoch } })
        XCTAssertTrue(steps.allSatisfy { Double($0[4])! > 0 }, "images/s present")
        for record in summary.history where record.epoch > 0 {
            XCTAssertEqual(steps.last { Int($0[0])! == record.epoch }.map { Double($0[3])! }, record.learningRate, "epoch \(record.epoch)'s last step's rate")
        }
        XCTAssertEqual(evaluations.map { Int($0[0])! }, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(evaluations.map { Double($0[5])! }, summary.history.map { $0.metrics!["R@1"]! })
    }

    /// A run directory of before the rename (its checkpoint.safetensors) still resumes, and carries on as last.safetensors.
    func testAnOldRunsCheckpointStillResumes() throws {
        InTreePlugins.load()
        let dir = try TemporaryDirectory("geokit-legacy")
        let run = dir.file("run")
        let recipe = try Self.recipe(epochs: 2, root: dir.file("world"))
        _ = try Trainer(recipe: recipe, directory: run).run(stopAfter: 1)
        try FileManager.default.moveItem(at: run.appendingPathComponent("last.safetensors"), to: run.appendingPathComponent("checkpoint.safetensors"))
        let summary = try Trainer(recipe: recipe, directory: run, appendLog: true, loadPretrained: false).run(resume: true)
        XCTAssertEqual(summary.history.map(\.epoch), [0, 1, 2])
        XCTAssertEqual(try Checkpoint.read(run.appendingPathComponent("last.safetensors")).metadata?.epoch, 2)
    }

    /// An evaluate.best that names no figure of the run is one error listing them, before any training.
    func testAnUnknownBestFigureIsOneError() throws {
        InTreePlugins.load()
        let dir = try TemporaryDirectory("geokit-best-name")
        let recipe = try Self.recipe(epochs: 1, root: dir.file("world"))
        try recipe.override(["evaluate.best=R@3"])
        XCTAssertThrowsError(try Trainer(recipe: recipe, directory: dir.file("run")).run()) { error in
            XCTAssertTrue("\(error)".contains("evaluate.best is 'R@3', not one of the figures this run reports (R@1, R@5)"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("run/last.safetensors").path))
    }

    /// With flip TTA each descriptor is the normalised sum of the model's descriptors of the image and of its mirror,
    /// the mirror made here by reversing each row of the prepared tensor by hand; without it, the image's alone.
    func testFlipTTAIsTheMeanOfTheImageAndItsMirror() throws {
        InTreePlugins.load()
        let dir = try TemporaryDirectory("geokit-flip")
        let recipe = try Self.recipe(epochs: 1, root: dir.file("world"))
        GlobalRandom.seed(4)
        let model = try CrossViewModel(recipe: recipe, loadPretrained: false)
        let data = try TrainingData(recipe: recipe, input: model.viewInput(recipe.dataset!)) { _ in }
        let files = data.test.prefix(3).map(\.ground)
        let flipped = try model.embed(files: Array(files), view: .ground, input: data.input, flipTTA: true)
        let plain = try model.embed(files: Array(files), view: .ground, input: data.input)
        let x = data.input.stack(try files.map { data.input.prepareGround(try Image(contentsOf: $0)) }, view: .ground)
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let values = x.scalars(as: Float.self)
        var mirrored = values
        for row in 0..<(n * c * h) {
            for col in 0..<w { mirrored[row * w + col] = values[row * w + (w - 1 - col)] }
        }
        model.eval()
        let (a, b) = noGrad { (model.ground(x), model.ground(Tensor(mirrored, shape: x.shape))) }
        let expected = (a + b).l2Normalized().scalars(as: Float.self)
        let got = flipped.scalars(as: Float.self)
        XCTAssertEqual(got.count, expected.count)
        XCTAssertLessThan(zip(got, expected).map { abs($0 - $1) }.max()!, 1e-5)
        XCTAssertLessThan(zip(plain.scalars(as: Float.self), a.l2Normalized().scalars(as: Float.self)).map { abs($0 - $1) }.max()!, 1e-5)
        XCTAssertGreaterThan(zip(got, plain.scalars(as: Float.self)).map { abs($0 - $1) }.max()!, 1e-3, "the mirror changes the descriptor")
    }
}
