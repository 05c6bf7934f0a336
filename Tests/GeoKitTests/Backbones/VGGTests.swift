import Foundation
import GeoKit
import XCTest

/// The `vgg16` and `vgg16_bn` backbones against torchvision 0.29's `vgg16().features`
/// (Tests/reference/fixtures_differential_backbones_conv.py): keys, parameter
/// counts, stages, init, float64 parity of features and every gradient, attention at
/// a named stage, and the recipe path.
final class VGGTests: XCTestCase {
    nonisolated(unsafe) private static var differential: ConvBackboneDifferential?
    private static let box: RecipeSandbox = try! RecipeSandbox()

    override class func tearDown() {
        differential?.removeFiles()
        differential = nil
    }

    private func check(_ network: String, _ size: String) throws {
        if Self.differential == nil { Self.differential = try ConvBackboneDifferential() }
        try Self.differential!.check(network, size)
    }

    private func referenceKeys(_ network: String) throws -> [String] {
        let fixture = try Fixture("differential_backbones_conv")
        return try JSONDecoder().decode([String].self, from: Data(try XCTUnwrap(fixture.metadata("keys/\(network)")).utf8))
    }

    func testStateDictKeysAreTorchvisionsInOrder() throws {
        for network in ["vgg16", "vgg16_bn"] {
            let keys = try zooBackbone(network).stateDict().map(\.name)
            XCTAssertEqual(keys, try referenceKeys(network), network)
        }
        XCTAssertTrue(try referenceKeys("vgg16_bn").contains("features.41.num_batches_tracked"))
        // The final pool has no parameters: the keys do not change with it.
        XCTAssertEqual(try zooBackbone("vgg16", ["finalPool": true]).stateDict().map(\.name), try referenceKeys("vgg16"))
    }

    func testParameterCountsAreTorchvisions() throws {
        let fixture = try Fixture("differential_backbones_conv")
        for (network, count) in [("vgg16", 14_714_688), ("vgg16_bn", 14_723_136)] {
            XCTAssertEqual(try zooBackbone(network).parameterCount, count, network)
            XCTAssertEqual(fixture.metadata("parameters/\(network)"), "{\"backbone\": \(count)}", network)
        }
    }

    /// Every stage's declared channels and map size against the map a probe inserted there
    /// really sees, at an odd size where the pools floor (37x45: 37, 18, 9, 4, 2 rows).
    func testStagesMatchTheMapsOfARealForward() throws {
        for (network, finalPool) in [("vgg16", false), ("vgg16_bn", false), ("vgg16", true)] {
            let net = try zooBackbone(network, ["finalPool": .bool(finalPool)])
            XCTAssertEqual(net.stages.map(\.name), ["block1", "block2", "block3", "block4", "block5"] + (finalPool ? ["pool5"] : []))
            XCTAssertEqual(net.stages.map(\.reduction), [1, 2, 4, 8, 16] + (finalPool ? [32] : []))
            XCTAssertEqual(net.stages.map(\.channels), [64, 128, 256, 512, 512] + (finalPool ? [512] : []))
            var probes: [String: ShapeProbe] = [:]
            for stage in net.stages {
                probes[stage.name] = ShapeProbe()
                try net.insert(probes[stage.name]!, at: stage.name)
            }
            net.eval()
            let y = noGrad { net(Tensor.zeros([2, 3, 37, 45])) }
            for stage in net.stages {
                let (h, w) = net.stageMapSize(stage.name, height: 37, width: 45)
                XCTAssertEqual(probes[stage.name]?.shapes, [[2, stage.channels, h, w]], "\(network) \(stage.name)")
                XCTAssertEqual([h, w], [37 / stage.reduction, 45 / stage.reduction], "\(network) \(stage.name)")
            }
            let (h, w) = net.featureMapSize(height: 37, width: 45)
            XCTAssertEqual(y.shape, [2, 512, h, w], network)
            XCTAssertEqual(y.shape, finalPool ? [2, 512, 1, 1] : [2, 512, 2, 2], network)
        }
        XCTAssertEqual(try zooBackbone("vgg16").outputStride, 16)
        XCTAssertEqual(try zooBackbone("vgg16", ["finalPool": true]).outputStride, 32)
        XCTAssertEqual(try zooBackbone("vgg16").inputConfiguration, .imageNet)
    }

    /// torchvision's init: conv weights normal with std sqrt(2 / fan out), biases 0; BN 1 and 0.
    func testInitialisationIsTorchvisions() throws {
        GlobalRandom.seed(7)
        let net = try zooBackbone("vgg16_bn")
        let state = Dictionary(uniqueKeysWithValues: net.stateDict().map { ($0.name, $0.tensor.scalars(as: Double.self)) })
        // conv5_3 (features.40 with BN): 512 x 512 x 3 x 3 weights, fan out 512 * 9.
        let w = try XCTUnwrap(state["features.40.weight"])
        let mean = w.reduce(0, +) / Double(w.count)
        let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)).squareRoot()
        let expected: Double = (2.0 / Double(512 * 9)).squareRoot()
        XCTAssertEqual(std, expected, accuracy: 0.005 * expected)
        XCTAssertEqual(mean, 0, accuracy: 1e-4)
        for (key, values) in state where key.hasSuffix(".bias") { XCTAssertEqual(Set(values), [0], key) }
        XCTAssertEqual(Set(try XCTUnwrap(state["features.41.weight"])), [1])
    }

    /// A torchvision state dict of the whole VGG (features and classifier) loads with `strict: false`.
    func testTorchvisionCheckpointLoadsWithoutItsClassifier() throws {
        let source = try zooBackbone("vgg16")
        fillDeterministic(source)
        var file = Dictionary(uniqueKeysWithValues: source.stateDict().map { ($0.name, $0.tensor) })
        file["classifier.0.weight"] = Tensor.zeros([4096, 25088])
        file["classifier.0.bias"] = Tensor.zeros([4096])
        let net = try zooBackbone("vgg16")
        XCTAssertThrowsError(try net.loadStateDict(file))
        try net.loadStateDict(file, strict: false)
        XCTAssertEqual(
            net.stateDict().first { $0.name == "features.28.weight" }?.tensor.scalars(as: Double.self),
            file["features.28.weight"]?.scalars(as: Double.self))
    }

    func testVGG16SmallOddBatch2() throws { try check("vgg16", "odd_b2_37x45") }
    func testVGG16Panorama() throws { try check("vgg16", "pano_b1_128x512") }
    func testVGG16BNSmallOddBatch2() throws { try check("vgg16_bn", "odd_b2_37x45") }
    func testUSAMAtBlock4() throws { try check("vgg16", "usam_block4_b2_37x45") }
    func testTripletAttentionAtBlock3() throws { try check("vgg16", "triplet_block3_b2_37x45") }

    func testEveryFixtureCaseIsChecked() throws {
        XCTAssertEqual(
            try ConvBackboneDifferential().cases(of: "vgg"),
            [
                "vgg16_odd_b2_37x45", "vgg16_pano_b1_128x512", "vgg16_bn_odd_b2_37x45",
                "vgg16_usam_block4_b2_37x45", "vgg16_triplet_block3_b2_37x45"
            ])
    }

    /// `Attention("usam", at: "block4")` in a vgg16 recipe builds; `--dry` counts VGG16's
    /// 14,714,688, USAM's BN (2), GeM's p (1) and InfoNCE's temperature (1).
    func testRecipeWithUSAMAtBlock4PrintsTheParameterCount() throws {
        let recipe = RecipeSandbox.tinyRecipe(name: "vgg-usam")
            .replacingOccurrences(of: "Backbone(\"resnet18\")", with: "Backbone(\"vgg16\")\n        Attention(\"usam\", at: \"block4\")")
        let result = try GeoKitProcess.run(["run", try Self.box.recipe("vgg-usam", recipe), "--dry"], cache: RecipeSandbox.cache)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("total parameters: 14.71 M (14714692)"), result.output)
        XCTAssertTrue(result.output.contains("1x512x2x8"), result.output)  // 32x128 views at /16
    }

    func testAttentionAtAStageVGGLacksIsOneMessage() throws {
        let recipe = RecipeSandbox.tinyRecipe(name: "vgg-layer1")
            .replacingOccurrences(of: "Backbone(\"resnet18\")", with: "Backbone(\"vgg16\")\n        Attention(\"usam\", at: \"layer1\")")
        let result = try GeoKitProcess.run(["run", try Self.box.recipe("vgg-layer1", recipe), "--dry"], cache: RecipeSandbox.cache)
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertFalse(result.signalled)
        XCTAssertTrue(result.output.contains("the backbone has no stage 'layer1'"), result.output)
        XCTAssertTrue(result.output.contains("block1, block2, block3, block4, block5"), result.output)
    }
}
