import Foundation
import GeoKit
import XCTest

/// `head:classblock`, `loss:instance`, LPN's per-part heads and sums of
/// losses, against the PyTorch fixture "heads" (Tests/reference/fixtures_heads.py, float64).
final class HeadsTests: XCTestCase {
    override func setUp() { InTreePlugins.load() }

    private func fixture() throws -> Fixture { try Fixture("heads") }

    private func labels(_ fixture: Fixture, _ name: String) throws -> [Int] {
        try fixture.tensor("\(name)/labels").scalars(as: Double.self).map { Int($0) }
    }

    private func state(_ fixture: Fixture, _ name: String) -> [String: Tensor] {
        let prefix = "\(name)/state/"
        return Dictionary(
            uniqueKeysWithValues: fixture.contents.tensors.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
    }

    /// A head made through the registry with the case's parameters, built for `inputs`, `classes` locations, the reference's weights.
    private func head(_ fixture: Fixture, _ name: String, inputs: [Int], classes: Int) throws -> HeadModule {
        let json = try XCTUnwrap(fixture.metadata("\(name)/params"))
        let settings = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String]).filter {
            $0.hasPrefix("bottleneck") || $0.hasPrefix("dropout")
        }
        let head = try Registry.shared.make(.head, "classblock", settings: settings.isEmpty ? ["bottleneck=2", "dropout=0"] : settings)
        head.build(inputSizes: inputs)
        try head.setClasses(classes)
        head.convert(to: .float64)
        let keys = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(try XCTUnwrap(fixture.metadata("\(name)/keys")).utf8)) as? [String])
        XCTAssertEqual(head.stateDict().map(\.name), keys, "\(name): the head's keys are the reference's")
        try head.loadStateDict(state(fixture, name))
        head.train(fixture.metadata("\(name)/train") == "true")
        return head
    }

    /// The loss of one view's logits, its gradients and the running statistics against the case.
    private func assertInstanceLossMatches(
        _ fixture: Fixture, _ name: String, head: HeadModule, x: Tensor, logits: [Tensor], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        for (i, z) in logits.enumerated() {
            assertClose(z, try fixture.tensor("\(name)/logits\(i)"), tolerance: 1e-10, "\(name) logits \(i)", file: file, line: line)
        }
        let batch = LossBatch(
            views: [ViewOutput(name: "ground", descriptor: logits[0], logits: logits)], locationIDs: try labels(fixture, name))
        let loss = try Registry.shared.make(.loss, "instance")
        XCTAssertTrue(loss.needs.logits)
        let value = loss.loss(batch)
        assertClose(value, try fixture.tensor("\(name)/loss"), tolerance: 1e-10, "\(name) loss", file: file, line: line)
        value.backward()
        assertClose(x.grad!, try fixture.tensor("\(name)/gx"), tolerance: 1e-10, "\(name) input gradient", file: file, line: line)
        let training = fixture.metadata("\(name)/train") == "true"
        for (key, parameter) in head.namedParameters() {
            if training && key.hasSuffix("add_block.0.bias") {
                // A bias before BatchNorm in training has gradient 0 (the batch mean removes it): both sides are rounding noise.
                let largest = parameter.grad!.scalars(as: Double.self).map(abs).max() ?? 0
                XCTAssertLessThan(largest, 1e-12, "\(name) \(key) gradient", file: file, line: line)
                continue
            }
            assertClose(parameter.grad!, try fixture.tensor("\(name)/grad/\(key)"), tolerance: 1e-10, "\(name) \(key) gradient", file: file, line: line)
        }
        for (key, buffer, _) in head.namedBuffers() where key.contains("running") {
            assertClose(buffer, try fixture.tensor("\(name)/after/\(key)"), tolerance: 1e-10, "\(name) \(key) after", file: file, line: line)
        }
    }

    func testClassBlockInTrainingMatchesPyTorchForwardAndBackward() throws {
        let f = try fixture()
        let head = try head(f, "classblock_train", inputs: [6], classes: 5)
        let x = try f.tensor("classblock_train/x").requiringGrad()
        let (feature, logits) = head.classify([x])[0]
        assertClose(feature, try f.tensor("classblock_train/feature"), tolerance: 1e-10, "bottleneck feature")
        try assertInstanceLossMatches(f, "classblock_train", head: head, x: x, logits: [try XCTUnwrap(logits)])
    }

    func testClassBlockInEvaluationMatchesPyTorchWithDropoutOff() throws {
        let f = try fixture()
        let head = try head(f, "classblock_eval", inputs: [6], classes: 5)
        XCTAssertEqual((head as? ClassBlockHead)?.dropout, 0.5)
        let x = try f.tensor("classblock_eval/x").requiringGrad()
        let (feature, logits) = head.classify([x])[0]
        assertClose(feature, try f.tensor("classblock_eval/feature"), tolerance: 1e-10, "bottleneck feature")
        try assertInstanceLossMatches(f, "classblock_eval", head: head, x: x, logits: [try XCTUnwrap(logits)])
    }

    /// LPN on a ground panorama: rows of the map pooled (blocks x 1), one ClassBlock per row, the instance loss summed over rows.
    func testLPNRowPartsWithAClassBlockEachMatchPyTorch() throws {
        let f = try fixture()
        let lpn = try XCTUnwrap(
            try Registry.shared.make(.aggregator, "lpn", settings: ["blocks=3", "partition=row"]) as? PartAggregator)
        let head = try head(f, "lpn_row", inputs: [3, 3, 3], classes: 4)
        let x = try f.tensor("lpn_row/x").requiringGrad()
        let parts = lpn.parts(x)
        XCTAssertEqual(parts.map(\.shape), [[4, 3], [4, 3], [4, 3]])
        let classified = head.classify(parts)
        let descriptor = type(of: lpn).joined(classified.map(\.feature))
        assertClose(Tensor.concat(classified.map(\.feature), axis: 1), try f.tensor("lpn_row/feature"), tolerance: 1e-10, "part features")
        assertClose(descriptor, try f.tensor("lpn_row/descriptor"), tolerance: 1e-10, "descriptor")
        try assertInstanceLossMatches(f, "lpn_row", head: head, x: x, logits: try classified.map { try XCTUnwrap($0.logits) })
    }

    func testTheInstanceLossSumsTheCrossEntropyOfEveryViewAndPart() throws {
        // Uniform logits over 4 locations: each cross-entropy is log 4; two views of two parts sum to 4 log 4.
        let uniform = Tensor.zeros([3, 4])
        let view = ViewOutput(name: "ground", descriptor: uniform, logits: [uniform, uniform])
        let loss = try Registry.shared.make(.loss, "instance")
        XCTAssertEqual(loss.loss(LossBatch(views: [view, view], locationIDs: [0, 2, 3])).item, 4 * log(4.0), accuracy: 1e-6)
        // A confident right answer costs ~0, a confident wrong one its margin.
        let sure = Tensor([20, 0, 0, 0, 0, 20, 0, 0] as [Float], shape: [2, 4])
        let one = ViewOutput(name: "ground", descriptor: sure, logits: [sure])
        XCTAssertEqual(loss.loss(LossBatch(views: [one], locationIDs: [0, 1])).item, 0, accuracy: 1e-6)
        XCTAssertEqual(loss.loss(LossBatch(views: [one], locationIDs: [0, 0])).item, 10, accuracy: 1e-4)
    }

    func testASumOfLossesIsTheWeightedSumOfItsTermsAndKeepsTheirKeysByName() throws {
        let infonce = try Registry.shared.make(.loss, "infonce"), wsmr = try Registry.shared.make(.loss, "wsmr")
        let sum = WeightedSumLoss([("infonce", 1, infonce), ("wsmr", 0.25, wsmr)])
        XCTAssertEqual(sum.stateDict().map(\.name), ["infonce.logit_scale"])
        let q = Tensor.randn([6, 8], seed: 11).requiringGrad(), r = Tensor.randn([6, 8], seed: 12).requiringGrad()
        let value = sum.loss(query: q, reference: r)
        let expected = infonce.loss(query: q, reference: r).item + 0.25 * wsmr.loss(query: q, reference: r).item
        XCTAssertEqual(value.item, expected, accuracy: 1e-5)
        value.backward()
        let (gq, gr) = (q.grad!.copy(), r.grad!.copy())
        q.grad = nil
        r.grad = nil
        (infonce.loss(query: q, reference: r) + wsmr.loss(query: q, reference: r) * 0.25).backward()
        assertClose(gq, q.grad!, tolerance: 1e-6, "query gradient of the sum")
        assertClose(gr, r.grad!, tolerance: 1e-6, "reference gradient of the sum")
    }

    private func recipe(head: Bool, loss: Loss) -> Recipe {
        Recipe("heads") {
            Dataset.synthetic(
                locations: 40, difficulty: .easy, testFraction: 0.25, sameArea: true, ground: .panorama(32, 64), aerial: .polar(32, 64))
            Model(shareWeights: false) {
                Backbone("resnet18")
                Aggregator("avg")
                if head { Head("classblock", ["bottleneck": 16]) }
            }
            loss
            Train(epochs: 1, batchSize: 4, optimizer: .sgd(lr: 0.01))
        }
    }

    func testAModelWithAHeadSharesItBetweenTheViewsAndSizesItFromTheTrainingSplit() throws {
        GlobalRandom.seed(1)
        let model = try CrossViewModel(recipe: recipe(head: true, loss: Loss("instance") + Loss("infonce", weight: 0.5)))
        let keys = model.stateDict().map(\.name)
        XCTAssertTrue(keys.contains("head.add_block.0.weight"))
        XCTAssertFalse(keys.contains("head.classifier.0.weight"), "the classifier waits for the training split")
        XCTAssertTrue(keys.contains("loss.infonce.logit_scale"))
        XCTAssertFalse(keys.contains { $0.hasPrefix("ground.head") || $0.hasPrefix("aerial.head") }, "one head for both views")
        try model.prepareHead(locations: 30, seed: 7)
        XCTAssertEqual(model.head?.classes, 30)
        let classifier = try XCTUnwrap(model.stateDict().first { $0.name == "head.classifier.0.weight" })
        XCTAssertEqual(classifier.tensor.shape, [30, 16])
        // The descriptor is the 16-wide bottleneck; both views' logits reach the loss.
        model.train()
        let images = Tensor.randn([4, 3, 32, 64], seed: 5)
        let output = model.ground.outputs(images, view: "ground")
        XCTAssertEqual(output.descriptor.shape, [4, 16])
        XCTAssertEqual(output.logits.map(\.shape), [[4, 30]])
        let value = model.loss(ground: images, aerial: images, locationIDs: [0, 29, 3, 3])
        XCTAssertTrue(value.item.isFinite)
        // A second split of another size is refused: the classifier's rows are those locations.
        XCTAssertThrowsError(try model.prepareHead(locations: 31, seed: 7)) { error in
            XCTAssertEqual(
                (error as? GeoKitError)?.what, "head:classblock classifies 30 locations, but the training split has 31")
        }
    }

    /// The model's path (backbone, head shared by both views, instance loss) learns: SGD with the references'
    /// momentum and rates memorises six locations' images within 15 steps.
    func testTheHeadAndTheInstanceLossLearnTheTrainingLocations() throws {
        GlobalRandom.seed(3)
        let model = try CrossViewModel(recipe: recipe(head: true, loss: Loss("instance")))
        try model.prepareHead(locations: 6, seed: 1)
        let (backbone, rest) = model.parameterGroups
        let sgd = SGD(
            [
                ParameterGroup(parameters: backbone, learningRate: 0.001, weightDecay: 5e-4),
                ParameterGroup(parameters: rest, learningRate: 0.01, weightDecay: 5e-4)
            ], momentum: 0.9, nesterov: true)
        let ground = Tensor.randn([6, 3, 32, 64], seed: 21), aerial = Tensor.randn([6, 3, 32, 64], seed: 22)
        model.train()
        var losses: [Double] = []
        for step in 0..<15 {
            GlobalRandom.seed(UInt64(100 + step))
            let loss = model.loss(ground: ground, aerial: aerial, locationIDs: [0, 1, 2, 3, 4, 5])
            losses.append(loss.item)
            loss.backward()
            sgd.step()
            sgd.zeroGrad()
        }
        XCTAssertEqual(losses[0], 2 * log(6.0), accuracy: 0.05, "near-zero initial logits: ln 6 per view")
        XCTAssertLessThan(losses.suffix(3).reduce(0, +) / 3, losses[0] / 2, "\(losses)")
    }

    func testAHeadWithoutALossThatReadsLogitsAndTheInstanceLossWithoutAHeadAreRefused() {
        XCTAssertThrowsError(try CrossViewModel(recipe: recipe(head: true, loss: Loss("infonce")))) { error in
            XCTAssertEqual(
                (error as? GeoKitError)?.what,
                "the model has head:classblock, and loss:infonce reads no logits: the head's classifier would never train")
            XCTAssertEqual(
                (error as? GeoKitError)?.remedy,
                "add Loss(\"instance\") (e.g. Loss(\"instance\") + Loss(\"infonce\")), or remove the Head")
        }
        XCTAssertThrowsError(try CrossViewModel(recipe: recipe(head: false, loss: Loss("instance")))) { error in
            XCTAssertEqual(
                (error as? GeoKitError)?.what,
                "loss:instance needs each view's logits over the training locations, and the model has no head")
            XCTAssertEqual((error as? GeoKitError)?.remedy, "add Head(\"classblock\") inside Model { ... } after the Aggregator")
        }
        XCTAssertThrowsError(try CrossViewModel(recipe: recipe(head: false, loss: Loss("infonce") + Loss("infonce")))) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "the sum of losses names loss:infonce twice")
        }
    }
}
