import GeoKit
import XCTest

/// A conv + BatchNorm "backbone" whose keys are those of the PyTorch
/// fixture `torch/state_dict_zip.pth` (nn.Sequential(Conv2d(3, 4, 3), BatchNorm2d(4))).
private final class ConvBNBackbone: Module, BackboneNetwork {
    let conv = Conv2d(3, 4, kernelSize: 3, padding: 1)
    let bn = BatchNorm(4)
    let stages = [FeatureStage("out", channels: 4, reduction: 1)]
    let inputConfiguration = InputConfiguration.imageNet
    override init() {
        super.init()
        register("0", conv)
        register("1", bn)
    }
    override func callAsFunction(_ x: Tensor) -> Tensor { bn(conv(x)) }
    func insert(_ module: AttentionModule, at stage: String) throws {
        throw GeoKitError("no insertion points", where: "ConvBNBackbone")
    }
}

/// `Backbone(name, weights:)`: the named file's tensors replace the seeded
/// initialisation of every branch's backbone before attention goes in;
/// non-strict loading skips the file's extra keys but never the backbone's
/// own; a file of another architecture is one message naming it; resuming
/// does not read the pretrained file again.
final class PretrainedWeightsTests: XCTestCase {
    private static let torchFixture = Fixture.directory.appendingPathComponent("torch/state_dict_zip.pth")

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A seeded ResNet-18's state dict plus a classifier (as torchvision saves it), written to `url`.
    private func writeSeededResNet18(to url: URL, seed: UInt64 = 7) throws -> [String: Tensor] {
        GlobalRandom.seed(seed)
        let source = try zooBackbone("resnet18")
        var entries = source.stateDict()
        entries += [NamedTensor("fc.weight", Tensor(zeros: [10, 512])), NamedTensor("fc.bias", Tensor(zeros: [10]))]
        try SafeTensors.write(entries, to: url)
        return Dictionary(uniqueKeysWithValues: source.stateDict().map { ($0.name, $0.tensor) })
    }

    private func assertSame(_ module: Module, _ expected: [String: Tensor], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        for entry in module.stateDict() where !entry.name.hasPrefix("attention.") {
            guard let want = expected[entry.name] else { XCTFail("\(label): \(entry.name) not in the file", file: file, line: line); continue }
            XCTAssertEqual(entry.tensor.scalars(as: Double.self), want.scalars(as: Double.self), "\(label) \(entry.name)", file: file, line: line)
        }
    }

    func testBothUnsharedBranchesStartFromExactlyTheFilesWeights() throws {
        let url = try temporaryDirectory().appendingPathComponent("resnet18.safetensors")
        let expected = try writeSeededResNet18(to: url)
        let recipe = Recipe("weights") {
            Dataset.synthetic(locations: 8, ground: .panorama(32, 128), aerial: .polar(32, 128))
            Model(shareWeights: false) {
                Backbone("resnet18", weights: url.path)
                Attention("usam", at: "stem")
                Aggregator("gem")
            }
            Loss("infonce")
        }
        GlobalRandom.seed(0)
        let model = try CrossViewModel(recipe: recipe)
        assertSame(model.ground.backbone, expected, "ground")
        assertSame(model.aerial.backbone, expected, "aerial")
        XCTAssertTrue(model.stateDict().contains { $0.name == "aerial.backbone.attention.stem.bn.weight" }, "attention inserted after loading")
        XCTAssertEqual(model.pretrained.map(\.branch), ["ground.", "aerial."])
        XCTAssertEqual(model.pretrained.first?.skipped, ["fc.bias", "fc.weight"])
        XCTAssertEqual(model.pretrained.first?.loaded, model.pretrained.first?.total)
        XCTAssertEqual(model.pretrained.first?.loaded, expected.count)

        // Without the file, the seed-0 initialisation differs from the seed-7 one that was saved.
        try recipe.override(["backbone.weights="])
        GlobalRandom.seed(0)
        let fresh = try CrossViewModel(recipe: recipe)
        XCTAssertTrue(fresh.pretrained.isEmpty)
        let conv1 = try XCTUnwrap(fresh.ground.backbone.stateDict().first { $0.name == "conv1.weight" }).tensor
        XCTAssertNotEqual(conv1.scalars(as: Double.self), expected["conv1.weight"]!.scalars(as: Double.self))
        // --set backbone.weights names a file for a backbone that had none (a path relative to the working directory).
        try recipe.override(["backbone.weights=\(url.path)"])
        assertSame(try CrossViewModel(recipe: recipe).ground.backbone, expected, "--set")
    }

    func testAPthLoadsSkippingTheFilesExtraKeysUnlessStrict() throws {
        InTreePlugins.load()
        // A registry of the test's own, so that the shared one keeps only the real components.
        let registry = Registry()
        try registry.register(.backbone, "test-conv-bn", summary: "the torch fixture's Sequential(Conv2d, BatchNorm2d)") { _ in ConvBNBackbone() }
        try registry.register(.aggregator, "gem", summary: "the shared registry's") { _ in try Registry.shared.make(.aggregator, "gem") }
        try registry.register(.loss, "infonce", summary: "the shared registry's") { _ in try Registry.shared.make(.loss, "infonce") }
        func recipe(strict: Bool) -> Recipe {
            Recipe("pth") {
                Dataset.synthetic(locations: 8, ground: .panorama(16, 64), aerial: .square(16))
                Model {
                    Backbone("test-conv-bn", weights: Self.torchFixture.path, strict: strict); Aggregator("gem")
                }
                Loss("infonce")
            }
        }
        let model = try CrossViewModel(recipe: recipe(strict: false), registry: registry)
        let fixture = try Fixture("torch/torch_checkpoints")
        for key in ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"] {
            let loaded = try XCTUnwrap(model.ground.backbone.stateDict().first { $0.name == key }?.tensor, key)
            XCTAssertEqual(loaded.scalars(as: Double.self), try fixture.tensor(key).scalars(as: Double.self), key)
        }
        XCTAssertEqual(model.pretrained.first?.loaded, 7)
        XCTAssertEqual(model.pretrained.first?.skipped.count, 14, "the fixture's extra.* tensors")

        XCTAssertThrowsError(try CrossViewModel(recipe: recipe(strict: true), registry: registry)) { error in
            let e = error as? GeoKitError
            XCTAssertTrue(e?.what.hasPrefix("the weights do not fit backbone:test-conv-bn: 14 unexpected, e.g. extra.bfloat16") == true, "\(error)")
            XCTAssertEqual(e?.whereContext, Self.torchFixture.path)
        }
    }

    func testAFileOfAnotherArchitectureIsOneMessageNamingIt() throws {
        let box = try RecipeSandbox()
        let file = try box.recipe(
            "wrong",
            RecipeSandbox.tinyRecipe(name: "wrong")
                .replacingOccurrences(of: "Backbone(\"resnet18\")", with: "Backbone(\"resnet18\", weights: \"\(Self.torchFixture.path)\")"))
        let result = try GeoKitProcess.run(["run", file, "--dry"], cache: RecipeSandbox.cache)
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertFalse(result.signalled)
        XCTAssertTrue(result.output.contains("the weights do not fit backbone:resnet18: none of its 21 keys names a tensor of the model"), result.output)
        XCTAssertTrue(result.output.contains("(\(Self.torchFixture.path))"), result.output)
        XCTAssertEqual(result.output.split(separator: "\n").count, 1, "one message:\n\(result.output)")
    }

    /// Through `geokit run`: the path is relative to the recipe file, `--dry` reports the keys, training
    /// honours the recipe's metrics, and `--resume` does not read the pretrained file (deleted before it).
    func testARecipesWeightsThroughTheCLI() throws {
        let box = try RecipeSandbox()
        let weights = box.root.appendingPathComponent("start.safetensors")
        let expected = try writeSeededResNet18(to: weights)
        let source = RecipeSandbox.tinyRecipe(name: "pretrained", epochs: 2)
            .replacingOccurrences(of: "Backbone(\"resnet18\")", with: "Backbone(\"resnet18\", weights: \"start.safetensors\")")
            .replacingOccurrences(of: "Evaluate(every: 1)", with: "Evaluate(every: 1, metrics: [.averagePrecision, .recall(2)])")
        let file = try box.recipe("pretrained", source)
        let dry = try GeoKitProcess.run(["run", file, "--dry"], cache: RecipeSandbox.cache)
        XCTAssertEqual(dry.status, 0, dry.output)
        XCTAssertTrue(
            dry.output.contains(
                "backbone weights \(weights.path): \(expected.count) of \(expected.count) tensors loaded, "
                    + "2 keys of the file skipped: fc.bias, fc.weight"), dry.output)
        XCTAssertTrue(dry.output.contains("evaluate.metrics = AP,R@2  "), dry.output)

        let out = box.directory("run")
        let first = try GeoKitProcess.run(["run", file, "--out", out.path, "--stop-after", "1"], cache: RecipeSandbox.cache)
        XCTAssertEqual(first.status, 0, first.output)
        XCTAssertTrue(first.output.contains("untrained: AP "), first.output)
        let summary = try JSONDecoder().decode(RunSummary.self, from: Data(contentsOf: out.appendingPathComponent("metrics.json")))
        XCTAssertEqual(Set(summary.final.keys), ["AP", "R@2"])

        try FileManager.default.removeItem(at: weights)
        let fresh = try GeoKitProcess.run(["run", file, "--out", box.directory("fresh").path], cache: RecipeSandbox.cache)
        XCTAssertEqual(fresh.status, 1, fresh.output)
        XCTAssertTrue(fresh.output.contains("cannot read the weights file (\(weights.path))"), fresh.output)
        let resumed = try GeoKitProcess.run(["run", file, "--out", out.path, "--resume"], cache: RecipeSandbox.cache)
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("resuming pretrained after epoch 1"), resumed.output)
    }
}
