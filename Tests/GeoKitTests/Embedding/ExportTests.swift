import Foundation
import GeoKit
import XCTest

/// `ExportedModel`: what `geokit export` writes loads back without the recipe,
/// gives the same descriptors, and reproduces timm's (fixture export_timm,
/// Tests/reference/fixtures_export.py: the docs' PyTorch snippet).
final class ExportTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-export-\(UUID().uuidString)")
        InTreePlugins.load()
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    /// A shared-weights model of `net` with GeM (and a non-default parameter, to see it survive), deterministic backbone weights.
    private func model(_ net: String) throws -> (Recipe, CrossViewModel) {
        let recipe = Recipe("export-\(net)") {
            Dataset.synthetic(locations: 40, ground: .panorama(32, 64), aerial: .polar(32, 64))
            Model(shareWeights: true) {
                Backbone(net)
                Aggregator("gem", ["p": 3.0])
            }
            Loss("infonce", ["labelSmoothing": 0.05])
        }
        let model = try CrossViewModel(recipe: recipe, loadPretrained: false)
        fillDeterministic(model.ground.backbone)
        model.eval()
        return (recipe, model)
    }

    func testExportedResNetAndConvNeXtReproduceTimmDescriptorsFromTheDocsSnippet() throws {
        let fixture = try Fixture("export_timm")
        for net in ["resnet18", "convnext_tiny"] {
            let (recipe, model) = try self.model(net)
            let out = directory.appendingPathComponent(net)
            try ExportedModel.write(model, recipe: recipe, to: out)
            let loaded = try ExportedModel.load(out)
            let descriptors = try loaded.embed(inputs: try fixture.tensor("\(net)/x"), view: .ground)
            let expected = try fixture.tensor("\(net)/d")
            XCTAssertEqual(descriptors.shape, expected.shape, net)
            let worst = zip(descriptors.scalars(as: Float.self), expected.scalars(as: Float.self)).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-4, "\(net): GeoKit's exported descriptors differ from timm's by \(worst)")
            // The snippet loads `backbone.*` minus the prefix with strict keys: they must be timm's, all of them.
            let timmKeys = try JSONDecoder().decode([String].self, from: Data(XCTUnwrap(fixture.contents.metadata[net]).utf8))
            let weights = try SafeTensors.read(out.appendingPathComponent("model.safetensors"))
            let backboneKeys = weights.tensors.keys.filter { $0.hasPrefix("backbone.") }.map { String($0.dropFirst("backbone.".count)) }
            XCTAssertEqual(Set(backboneKeys), Set(timmKeys), net)
            XCTAssertEqual(weights.tensors["aggregator.p"]?.scalars(as: Float.self), [3], net)
            XCTAssertFalse(weights.tensors.keys.contains { $0.hasPrefix("optimizer.") }, "an export holds weights only")
        }
    }

    func testLoadRebuildsTheModelFromConfigAloneWithIdenticalDescriptors() throws {
        let (recipe, model) = try self.model("resnet18")
        let config = try ExportedModel.write(model, recipe: recipe, to: directory)
        XCTAssertEqual(config.descriptorSize, 512)
        XCTAssertEqual(
            config.components.map { "\($0.section)=\($0.kind):\($0.name)" }, ["backbone=backbone:resnet18", "aggregator=aggregator:gem", "loss=loss:infonce"])
        XCTAssertEqual(config.components[2].parameters["labelSmoothing"], .number(0.05))
        XCTAssertEqual([config.ground.height, config.ground.width, config.aerial.height, config.aerial.width, config.aerial.tileSize], [32, 64, 32, 64, 64])
        XCTAssertTrue(config.aerial.polar)
        XCTAssertEqual(config.ground.mean, ChannelStatistics.imageNet.mean)
        let text = try String(contentsOf: directory.appendingPathComponent("config.json"), encoding: .utf8)
        for key in [
            "\"descriptor_size\" : 512", "\"format\" : \"geokit-embedding\"", "\"tile_size\" : 64", "\"geokit_abi_version\" : 2", "\"embed_api_version\" : 1"
        ] {
            XCTAssertTrue(text.contains(key), "config.json lacks \(key)")
        }
        let loaded = try ExportedModel.load(directory)
        XCTAssertEqual(loaded.config, config)
        let x = Tensor((0..<(2 * 3 * 32 * 64)).map { Float(sin(Double($0) * 0.37)) }, shape: [2, 3, 32, 64])
        let original = noGrad { model.ground(x) }.l2Normalized().scalars(as: Float.self)
        XCTAssertEqual(try loaded.embed(inputs: x, view: .ground).scalars(as: Float.self), original, "same weights, same code: identical")
        XCTAssertEqual(try loaded.embed(inputs: x, view: .aerial).scalars(as: Float.self), original, "shared weights: both views one network")
    }

    /// Each damaged export is one GeoKitError that names the problem.
    func testDamagedExportsAreOneMessageEach() throws {
        let (recipe, model) = try self.model("resnet18")
        try ExportedModel.write(model, recipe: recipe, to: directory)
        let configURL = directory.appendingPathComponent("config.json")
        let good = try String(contentsOf: configURL, encoding: .utf8)
        func expectFailure(_ config: String, _ message: String, line: UInt = #line) throws {
            try config.write(to: configURL, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ExportedModel.load(directory), line: line) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)", line: line)
            }
        }
        try expectFailure("{", "config.json is unreadable: not valid JSON")
        try expectFailure(good.replacingOccurrences(of: "\"descriptor_size\" : 512,", with: ""), "field descriptor_size is missing")
        try expectFailure(
            good.replacingOccurrences(of: "\"descriptor_size\" : 512", with: "\"descriptor_size\" : 256"),
            "makes 512-d descriptors, config.json says descriptor_size 256")
        try expectFailure(
            good.replacingOccurrences(of: "\"format_version\" : 1", with: "\"format_version\" : 9"), "has format_version 9; this GeoKit reads 1...1")
        try expectFailure(good.replacingOccurrences(of: "\"resnet18\"", with: "\"resnet19\""), "unknown backbone 'resnet19'")
        try expectFailure(good.replacingOccurrences(of: "\"labelSmoothing\" : 0.05", with: "\"warmth\" : 0.05"), "an unknown parameter 'warmth'")
        try expectFailure(
            good.replacingOccurrences(of: "\"labelSmoothing\" : 0.05", with: "\"labelSmoothing\" : \"hot\""), "loss.labelSmoothing a value that is not double")
        try expectFailure(good.replacingOccurrences(of: "\"height\" : 32", with: "\"height\" : 0"), "outside 1...8192")
        try expectFailure(good.replacingOccurrences(of: "\"model.safetensors\"", with: "\"../x.safetensors\""), "is not a file name next to config.json")
        try good.write(to: configURL, atomically: true, encoding: .utf8)
        try Data("short".utf8).write(to: directory.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try ExportedModel.load(directory)) { XCTAssertTrue("\($0)".contains("not a valid safetensors file"), "\($0)") }
        XCTAssertThrowsError(try ExportedModel.load(directory.appendingPathComponent("absent"))) {
            XCTAssertTrue("\($0)".contains("not an exported model: no readable config.json"), "\($0)")
        }
    }
}
