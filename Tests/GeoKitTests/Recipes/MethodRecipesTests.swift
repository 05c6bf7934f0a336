import Foundation
import GeoKit
import XCTest

/// The published pipelines of Examples/methods/: each dry-runs with its
/// components and exact parameter count, and trains a few steps on a tiny
/// synthetic world of its layout (through --set) with its loss falling.
final class MethodRecipesTests: XCTestCase {
    private static let directory = RepositoryLayout.examples.appendingPathComponent("methods")

    /// A published recipe: the total --dry prints, the components it must show, and the --set values that shrink it
    /// to a tiny world of its layout (the map sizes that some aggregators are built for follow the tiny inputs).
    private struct Published {
        let name: String
        let total: Int
        let components: [String]
        let tiny: [String]
    }

    /// ClassBlock bottleneck parameters (in x 512 + 512, BatchNorm 2 x 512); the classifier is sized from the split.
    private static func bottleneck(_ inputs: Int) -> Int { inputs * 512 + 512 + 1024 }

    /// An 8-location world, 6 training locations, unaugmented, 6 epochs of batch 4 at a constant lr 3e-4. The rate is
    /// lowered for all: at the recipes' 0.01 (0.1 for LPN on CVUSA) the 512-wide bottleneck's classifier overshoots
    /// when six classes share every step (measured: the loss rises 3.6 -> 10.4 in 6 epochs), and AENet's and SAFA's
    /// 1e-5 moves nothing in 6 steps, which says nothing of the full datasets.
    private static let tinyCommon = [
        "dataset.root=", "dataset.kind=synthetic", "dataset.locations=8", "dataset.testFraction=0.25", "dataset.sameArea=true",
        "dataset.difficulty=easy", "dataset.augment=false", "train.epochs=6", "train.batchSize=4", "train.schedule=constant",
        "train.lr=0.0003", "evaluate.every=6"
    ]
    private static let tinyUniversity =
        tinyCommon + [
            "dataset.layout=university", "dataset.droneViews=2", "dataset.groundHeight=64", "dataset.groundWidth=64",
            "dataset.aerialHeight=64", "dataset.aerialWidth=64"
        ]
    /// CVUSA layout, a 32 x 128 panorama against a 64-pixel tile polar-transformed to 32 x 128.
    private static let tinyPolar =
        tinyCommon + [
            "dataset.layout=cvusa", "dataset.groundHeight=32", "dataset.groundWidth=128", "dataset.polar=true", "dataset.aerialSize=64",
            "dataset.aerialHeight=32", "dataset.aerialWidth=128"
        ]
    /// CVUSA layout with an unpolarised square tile.
    private static func tinySquare(ground: (Int, Int), aerial: Int) -> [String] {
        tinyCommon + [
            "dataset.layout=cvusa", "dataset.groundHeight=\(ground.0)", "dataset.groundWidth=\(ground.1)", "dataset.polar=false",
            "dataset.aerialSize=\(aerial)", "dataset.aerialHeight=\(aerial)", "dataset.aerialWidth=\(aerial)"
        ]
    }

    /// The totals are the backbones' timm/torchvision counts (without classifier) plus the method's parts.
    private static let recipes: [Published] = [
        Published(
            name: "rknet-university1652", total: 23_508_032 + 2 * 2 + bottleneck(2048),
            components: ["backbone:resnet50", "aggregator:avg", "head:classblock", "loss:instance"], tiny: tinyUniversity),
        Published(
            name: "lpn-university1652", total: 23_508_032 + 4 * bottleneck(2048),
            components: ["backbone:resnet50", "aggregator:lpn", "head:classblock", "loss:instance"], tiny: tinyUniversity),
        Published(
            name: "lpn-usam-university1652", total: 23_508_032 + 2 * 2 + 4 * bottleneck(2048),
            components: ["aggregator:lpn", "head:classblock", "loss:instance"], tiny: tinyUniversity),
        // SAFA at an 8x8 map, 8 heads: weights1 64x32x8, biases1 32x8, weights2 32x64x8, biases2 64x8; a 4096-wide input.
        // At 64x64 VGG16's /32 map is 2x2.
        Published(
            name: "safa-usam-university1652", total: 14_714_688 + 2 * 2 + (2 * 64 * 32 * 8 + 32 * 8 + 64 * 8) + bottleneck(4096),
            components: ["backbone:vgg16", "aggregator:safa", "head:classblock", "loss:instance"],
            tiny: tinyUniversity + ["aggregator.height=2", "aggregator.width=2"]),
        // Two tf_efficientnetv2_s (20,177,488 each) and two Triplet Attentions (3 x (7x7x2 conv + BatchNorm pair) = 300 each).
        // At lr 3e-4 the tiny run's last epoch lands above or below its first depending on rounding alone (the
        // portable and the oneDNN path, OpenBLAS's Haswell and Cooperlake kernels disagree); at 1e-3 all four
        // fall from 0.74 to 0.47-0.50.
        Published(
            name: "aenet-cvusa", total: 2 * 20_177_488 + 2 * 300,
            components: ["ground.backbone", "aerial.backbone", "backbone:tf_efficientnetv2_s", "attention:triplet", "loss:mhnw"],
            tiny: tinyPolar + ["train.lr=0.001"]),
        // Two VGG16 with SAFA at 4x16, 8 heads (weights1 64x32x8, biases1 32x8, weights2 32x64x8, biases2 64x8 each).
        // At 32x128 the /32 map is 1x4.
        Published(
            name: "safa-cvusa", total: 2 * (14_714_688 + 2 * 64 * 32 * 8 + 32 * 8 + 64 * 8),
            components: ["backbone:vgg16", "aggregator:safa", "loss:wsmr"], tiny: tinyPolar + ["aggregator.height=1", "aggregator.width=4"]),
        // Two VGG16-BN (14,723,136 each: the convolutions' 14,714,688 and 4,224 BatchNorm pairs) and 8 part ClassBlocks.
        // At 128x128 the /32 map is 4x4: 4 rows and 4 rings.
        Published(
            name: "lpn-cvusa", total: 2 * 14_723_136 + 8 * bottleneck(512),
            components: ["backbone:vgg16_bn", "aggregator:lpn", "head:classblock", "loss:instance"],
            tiny: tinySquare(ground: (128, 128), aerial: 128) + ["aggregator.blocks=4"]),
        // ConvNeXt-B without head.norm (87,564,416), avgnorm's LayerNorm pair (2 x 1024) and InfoNCE's logit_scale.
        Published(
            name: "sample4geo-cvusa", total: 87_564_416 + 2 * 1024 + 1,
            components: ["backbone:convnext_base", "aggregator:avgnorm", "loss:infonce", "sampler.name = dss"],
            tiny: tinySquare(ground: (32, 128), aerial: 64)),
        Published(
            name: "sample4geo-university1652", total: 87_564_416 + 2 * 1024 + 1,
            components: ["backbone:convnext_base", "aggregator:avgnorm", "loss:infonce"], tiny: tinyUniversity)
    ]

    private func file(_ name: String) -> String { Self.directory.appendingPathComponent("\(name).swift").path }

    func testEveryRecipeInTheFolderIsPublished() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".swift") }
        XCTAssertEqual(Set(files.map { String($0.dropLast(".swift".count)) }), Set(Self.recipes.map(\.name)))
    }

    func testEachPublishedRecipeDryRunsWithItsComponentsAndParameterCount() throws {
        for recipe in Self.recipes {
            let result = try GeoKitProcess.run(["run", file(recipe.name), "--dry"], cache: RecipeSandbox.cache)
            XCTAssertEqual(result.status, 0, "\(recipe.name):\n\(result.output)")
            XCTAssertTrue(result.output.hasPrefix("recipe \(recipe.name)\n"), result.output)
            XCTAssertTrue(result.output.contains("(\(recipe.total)); FLOPs per pair"), "\(recipe.name) should total \(recipe.total):\n\(result.output)")
            for component in recipe.components {
                XCTAssertTrue(result.output.contains(component), "\(recipe.name) lacks \(component):\n\(result.output)")
            }
            if recipe.components.contains("head:classblock") {
                XCTAssertTrue(result.output.contains("the classifier (one output per training location) is sized from the training split"))
            }
        }
    }

    /// The mean loss of the last of 6 epochs is below the first's, and an untrained instance loss starts near ln 6 per
    /// logits tensor (6 training locations; a tensor per view and per part).
    func testEachPublishedRecipeTrainsOnATinyWorldOfItsLayoutAndItsLossFalls() throws {
        let box = try RecipeSandbox()
        for recipe in Self.recipes {
            let out = box.directory(recipe.name)
            let result = try GeoKitProcess.run(
                ["run", file(recipe.name), "--out", out.path] + recipe.tiny.flatMap { ["--set", $0] }, cache: RecipeSandbox.cache)
            guard result.status == 0 else {
                XCTFail("\(recipe.name):\n\(result.output)")
                continue
            }
            let summary = try XCTUnwrap(
                try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metrics.json"))) as? [String: Any])
            let losses = try XCTUnwrap(summary["history"] as? [[String: Any]]).compactMap { $0["loss"] as? Double }
            XCTAssertEqual(losses.count, 6, "\(recipe.name): one mean loss per epoch")
            XCTAssertLessThan(try XCTUnwrap(losses.last), try XCTUnwrap(losses.first), "\(recipe.name): the loss falls, \(losses)")
            guard recipe.components.contains("loss:instance") else { continue }
            // Views: three for RK-Net and LPN on University-1652 (they train the street view too), else two; parts: four
            // for LPN (blocks=4 in the tiny CVUSA run).
            let views = recipe.name.hasSuffix("university1652") && !recipe.name.hasPrefix("safa") ? 3.0 : 2.0
            let tensors = views * (recipe.name.hasPrefix("lpn") ? 4 : 1)
            XCTAssertLessThan(try XCTUnwrap(losses.first), tensors * log(6.0) + 1, "\(recipe.name): \(losses)")
        }
    }

    /// One "Error:" line holding `phrase`, exit 1 by exit() (no signal, no trap).
    private func assertOneMessage(_ result: GeoKitProcess.Result, _ phrase: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(result.signalled, result.output, file: file, line: line)
        XCTAssertEqual(result.status, 1, result.output, file: file, line: line)
        let errors = result.output.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
        XCTAssertEqual(errors.count, 1, result.output, file: file, line: line)
        XCTAssertTrue(errors.first?.contains(phrase) == true, "missing '\(phrase)' in:\n\(result.output)", file: file, line: line)
    }

    func testAHeadWithALossThatReadsNoLogitsAndAnInstanceLossWithoutAHeadAreOneMessageEach() throws {
        let headless = try GeoKitProcess.run(["run", file("rknet-university1652"), "--dry", "--set", "loss.name=infonce"], cache: RecipeSandbox.cache)
        assertOneMessage(
            headless, "the model has head:classblock, and loss:infonce reads no logits: the head's classifier would never train")
        let box = try RecipeSandbox()
        let recipe = try box.recipe("instance-alone", RecipeSandbox.tinyRecipe(name: "instance-alone", loss: "Loss(\"instance\")"))
        assertOneMessage(
            try GeoKitProcess.run(["run", recipe, "--dry"], cache: RecipeSandbox.cache),
            "loss:instance needs each view's logits over the training locations, and the model has no head")
    }
}
