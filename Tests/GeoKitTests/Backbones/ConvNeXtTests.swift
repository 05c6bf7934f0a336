import Foundation
import GeoKit
import XCTest

/// The `convnext_tiny` and `convnext_base` backbones against timm 1.0.31
/// (Tests/reference/fixtures_differential_backbones_conv.py): keys, parameter
/// counts, stages, init, drop path, float64 parity of features and every gradient,
/// attention at a named stage, the recipe path and a float32 training step at the
/// papers' size.
final class ConvNeXtTests: XCTestCase {
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

    private struct Counts: Decodable { let backbone: Int, timm: Int }

    /// timm's keys without `head.*`, in timm's order (each block's `gamma` first).
    func testStateDictKeysAreTimmsInOrder() throws {
        let fixture = try Fixture("differential_backbones_conv")
        for network in ["convnext_tiny", "convnext_base"] {
            let reference = try JSONDecoder().decode([String].self, from: Data(try XCTUnwrap(fixture.metadata("keys/\(network)")).utf8))
            XCTAssertEqual(try zooBackbone(network).stateDict().map(\.name), reference, network)
            XCTAssertTrue(reference.contains("stages.3.downsample.1.weight"), network)
            XCTAssertFalse(reference.contains { $0.hasPrefix("stages.0.downsample") }, network)
        }
    }

    /// The backbone's count is timm's (num_classes=0) less head.norm's 2 C, as the fixture script prints them.
    func testParameterCountsAreTimmsWithoutTheHeadNorm() throws {
        let fixture = try Fixture("differential_backbones_conv")
        for (network, count, timm, channels) in [
            ("convnext_tiny", 27_818_592, 27_820_128, 768),
            ("convnext_base", 87_564_416, 87_566_464, 1024)
        ] {
            let counts = try JSONDecoder().decode(Counts.self, from: Data(try XCTUnwrap(fixture.metadata("parameters/\(network)")).utf8))
            XCTAssertEqual(counts.backbone, count, network)
            XCTAssertEqual(counts.timm, timm, network)
            XCTAssertEqual(timm - count, 2 * channels, network)
            XCTAssertEqual(try zooBackbone(network).parameterCount, count, network)
        }
    }

    /// Each stage's declared channels and map size against the map a probe inserted there
    /// sees, at an odd size the patch convolutions floor (67x75: 16x18, 8x9, 4x4, 2x2).
    func testStagesMatchTheMapsOfARealForward() throws {
        for (network, widths) in [("convnext_tiny", [96, 192, 384, 768]), ("convnext_base", [128, 256, 512, 1024])] {
            let net = try zooBackbone(network)
            XCTAssertEqual(net.stages, zip(0..., widths).map { FeatureStage("stage\($0)", channels: $1, reduction: 4 << $0) })
            var probes: [String: ShapeProbe] = [:]
            for stage in net.stages {
                probes[stage.name] = ShapeProbe()
                try net.insert(probes[stage.name]!, at: stage.name)
            }
            net.eval()
            let y = noGrad { net(Tensor.zeros([1, 3, 67, 75])) }
            for stage in net.stages {
                let (h, w) = net.stageMapSize(stage.name, height: 67, width: 75)
                XCTAssertEqual(probes[stage.name]?.shapes, [[1, stage.channels, h, w]], "\(network) \(stage.name)")
                XCTAssertEqual([h, w], [67 / stage.reduction, 75 / stage.reduction], "\(network) \(stage.name)")
            }
            XCTAssertEqual(y.shape, [1, widths[3], 2, 2], network)
            XCTAssertEqual(net.inputConfiguration, InputConfiguration(statistics: .imageNet, interpolation: .bicubic))
        }
    }

    /// timm's init: truncated-normal (std .02, absolute bounds ±2) conv and linear weights,
    /// biases 0, LayerNorms 1 and 0, layer scales 1e-6.
    func testInitialisationIsTimms() throws {
        GlobalRandom.seed(11)
        let net = try zooBackbone("convnext_tiny")
        let state = Dictionary(uniqueKeysWithValues: net.stateDict().map { ($0.name, $0.tensor.scalars(as: Double.self)) })
        let w = try XCTUnwrap(state["stages.2.blocks.4.mlp.fc1.weight"])  // 1536 x 384
        let mean = w.reduce(0, +) / Double(w.count)
        let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.0002)
        XCTAssertEqual(mean, 0, accuracy: 1e-4)
        for (key, values) in state {
            if key.hasSuffix(".bias") { XCTAssertEqual(Set(values), [0], key) }
            if key.hasSuffix(".gamma") { XCTAssertEqual(Set(values), [Double(Float(1e-6))], key) }  // 1e-6 in float32
            if key.hasSuffix("norm.weight") || key == "stem.1.weight" { XCTAssertEqual(Set(values), [1], key) }
        }
    }

    /// Drop path is the identity in evaluation and drops residual branches in training
    /// (ConvNeXt has no other train/eval difference, so with rate 0 both modes agree).
    func testDropPathActsOnlyInTraining() throws {
        let plain = try zooBackbone("convnext_tiny"), dropping = try zooBackbone("convnext_tiny", ["dropPath": 0.5])
        fillDeterministic(plain)
        fillDeterministic(dropping)
        let x = wave([2, 3, 64, 64], 5).to(.float32)
        let evaluated = { (net: Module) -> [Double] in
            net.eval(); return noGrad { net(x) }.scalars(as: Double.self)
        }
        let trained = { (net: Module) -> [Double] in
            net.train(); return noGrad { net(x) }.scalars(as: Double.self)
        }
        XCTAssertEqual(evaluated(dropping), evaluated(plain))
        XCTAssertEqual(trained(plain), evaluated(plain))
        GlobalRandom.seed(3)
        let dropped = trained(dropping)
        XCTAssertNotEqual(dropped, evaluated(plain))
        XCTAssertTrue(dropped.allSatisfy(\.isFinite))
    }

    func testConvNeXtTinySmallOddBatch2() throws { try check("convnext_tiny", "odd_b2_67x75") }
    func testConvNeXtTinyPanorama() throws { try check("convnext_tiny", "pano_b1_128x512") }
    func testConvNeXtBaseSmallOddBatch2() throws { try check("convnext_base", "odd_b2_35x69") }
    func testUSAMAtStage3() throws { try check("convnext_tiny", "usam_stage3_b2_67x75") }
    func testTripletAttentionAtStage2() throws { try check("convnext_tiny", "triplet_stage2_b2_67x75") }

    func testEveryFixtureCaseIsChecked() throws {
        XCTAssertEqual(
            try ConvBackboneDifferential().cases(of: "convnext"),
            [
                "convnext_tiny_odd_b2_67x75", "convnext_tiny_pano_b1_128x512", "convnext_base_odd_b2_35x69",
                "convnext_tiny_usam_stage3_b2_67x75", "convnext_tiny_triplet_stage2_b2_67x75"
            ])
    }

    /// `--dry` on a convnext_tiny recipe: 27,818,592 + GeM's p + InfoNCE's temperature.
    func testRecipeDryRunPrintsTheParameterCount() throws {
        let recipe = RecipeSandbox.tinyRecipe(name: "convnext")
            .replacingOccurrences(of: "Backbone(\"resnet18\")", with: "Backbone(\"convnext_tiny\")")
        let result = try GeoKitProcess.run(["run", try Self.box.recipe("convnext", recipe), "--dry"], cache: RecipeSandbox.cache)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("total parameters: 27.82 M (27818594)"), result.output)
        XCTAssertTrue(result.output.contains("1x768x1x4"), result.output)  // 32x128 views at /32
    }

    /// One float32 training step (forward and backward) of convnext_tiny at batch 8 x 3x128x512,
    /// the papers' size: every parameter gets a finite gradient that is not all zero. Prints the time.
    func testTrainingStepAtPanoramaSize() throws {
        let net = try zooBackbone("convnext_tiny", ["dropPath": 0.1])
        fillDeterministic(net)
        net.train()
        let x = wave([8, 3, 128, 512], 9).to(.float32)
        let start = Date()
        let y = net(x)
        (y * y).mean().backward()
        let seconds = Date().timeIntervalSince(start)
        XCTAssertEqual(y.shape, [8, 768, 4, 16])
        for (name, p) in net.namedParameters() {
            let g = try XCTUnwrap(p.grad, name).scalars(as: Double.self)
            XCTAssertTrue(g.allSatisfy(\.isFinite), name)
            XCTAssertTrue(g.contains { $0 != 0 }, name)
        }
        print(String(format: "convnext_tiny training step, batch 8 x 3x128x512, float32: %.2f s", seconds))
    }
}
