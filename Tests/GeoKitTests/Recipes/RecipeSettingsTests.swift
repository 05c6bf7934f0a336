import XCTest
import GeoKit

/// The DSL writes every value under a dotted name; `--set` overrides reach
/// any of them and component parameters from the registry's schemas, and
/// reject anything else with the list of valid names.
final class RecipeSettingsTests: XCTestCase {
    private func makeRecipe() -> Recipe {
        Recipe("settings") {
            Dataset.synthetic(locations: 40, ground: .panorama(32, 128), aerial: .polar(32, 128))
            Model(shareWeights: false) {
                Backbone("resnet18", ["lastStride": 1])
                Attention("usam", at: "stem")
                Aggregator("gem")
            }
            Loss("infonce")
            Sampler("random")
            Train(epochs: 3, batchSize: 8, optimizer: .sgd(lr: 0.01), schedule: .step(stepEpochs: 2))
            Evaluate(every: 2, metrics: [.recall(1), .recall(5)])
        }
    }

    func testTheDSLWritesDottedNames() {
        let s = makeRecipe().settings
        XCTAssertEqual(s["dataset.locations"], .int(40))
        XCTAssertEqual(s["dataset.polar"], .bool(true))
        XCTAssertEqual(s["model.shareWeights"], .bool(false))
        XCTAssertEqual(s["backbone.name"], .string("resnet18"))
        XCTAssertEqual(s["backbone.lastStride"], .int(1))
        XCTAssertEqual(s["attention0.name"], .string("usam"))
        XCTAssertEqual(s["attention0.at"], .string("stem"))
        XCTAssertEqual(s["train.optimizer"], .string("sgd"))
        XCTAssertEqual(s["train.schedule"], .string("step"))
        XCTAssertEqual(s["evaluate.ks"], .intList([1, 5]))
    }

    func testOverridesReachRecipeValuesAndComponentParameters() throws {
        InTreePlugins.load()
        let recipe = makeRecipe()
        try recipe.override(["train.epochs=2", "dataset.locations=200", "train.lr=1", "loss.labelSmoothing=0.2", "attention0.polish=false"])
        XCTAssertEqual(recipe.settings["train.epochs"], .int(2))
        XCTAssertEqual(recipe.settings["dataset.locations"], .int(200))
        XCTAssertEqual(recipe.settings["train.lr"], .double(1))
        XCTAssertEqual(recipe.componentParameters("loss"), ["labelSmoothing": .double(0.2)])
        XCTAssertEqual(recipe.componentParameters("attention0"), ["polish": .bool(false)])
    }

    func testUnknownNamesAndBadValuesAreRejectedWithTheValidNames() {
        InTreePlugins.load()
        let recipe = makeRecipe()
        XCTAssertThrowsError(try recipe.override(["train.epoch=2"])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("no value 'train.epoch'"), text)
            XCTAssertTrue(text.contains("train.epochs (int)") && text.contains("loss.labelSmoothing (double)"), text)
        }
        XCTAssertThrowsError(try recipe.override(["train.epochs=two"])) { error in
            XCTAssertTrue("\(error)".contains("'train.epochs' must be int"), "\(error)")
        }
        XCTAssertThrowsError(try recipe.override(["train.epochs"])) { error in
            XCTAssertTrue("\(error)".contains("not name=value"), "\(error)")
        }
        XCTAssertEqual(recipe.settings["train.epochs"], .int(3))
    }

    /// The model builder validates the recipe first: each value against its range, naming it.
    func testBuildingTheModelValidatesTheRecipesValues() throws {
        InTreePlugins.load()
        for (assignment, expected) in [("train.lr=nan", "train.lr must be in (0, 10], got nan"),
                                       ("train.gamma=0", "train.gamma must be in (0, 1], got 0"),
                                       ("evaluate.every=0", "evaluate.every must be in [1, 100000], got 0"),
                                       ("dataset.colourJitter=-0.5", "dataset.colourJitter must be in [0, 1], got -0.5")] {
            let recipe = makeRecipe()
            try recipe.override([assignment])
            XCTAssertThrowsError(try CrossViewModel(recipe: recipe)) { error in
                XCTAssertEqual((error as? GeoKitError)?.what, expected)
                XCTAssertEqual((error as? GeoKitError)?.whereContext, "recipe settings")
            }
        }
        XCTAssertNoThrow(try makeRecipe().validate())
    }

    func testTheModelAssemblesWithSeparateBranchesAndAnInsertedAttention() throws {
        InTreePlugins.load()
        let model = try CrossViewModel(recipe: makeRecipe())
        XCTAssertFalse(model.ground === model.aerial)
        let keys = Set(model.stateDict().map(\.name))
        XCTAssertTrue(keys.contains("ground.backbone.conv1.weight"))
        XCTAssertTrue(keys.contains("aerial.backbone.attention.stem.bn.weight"))
        XCTAssertTrue(keys.contains("loss.logit_scale"))
        let y = model.ground(Tensor(zeros: [2, 3, 32, 128]))
        XCTAssertEqual(y.shape, [2, 512])
    }
}
