import GeoKit
import XCTest

/// The DSL stores typed parts that the trainer reads as they are; `--set`
/// writes them through one table of named, typed settings (and component
/// parameters through their schemas), refusing anything else with one message.
final class RecipeSettingsTests: XCTestCase {
    private func makeRecipe() -> Recipe {
        Recipe("settings") {
            Dataset.synthetic(locations: 40, difficulty: .hard, layout: .cvusa, ground: .panorama(32, 128), aerial: .polar(32, 128))
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

    private func refusal(_ assignment: String, _ recipe: Recipe? = nil) -> GeoKitError? {
        do { try (recipe ?? makeRecipe()).override([assignment]); return nil } catch { return error as? GeoKitError }
    }

    func testTheDSLStoresTypedParts() throws {
        let recipe = makeRecipe()
        let dataset = try XCTUnwrap(recipe.dataset), train = try XCTUnwrap(recipe.train)
        XCTAssertEqual(dataset.kind, .synthetic)
        XCTAssertEqual(dataset.difficulty, .hard)
        XCTAssertEqual(dataset.locations, 40)
        XCTAssertTrue(dataset.polar)
        XCTAssertEqual(dataset.aerialSize, 64)
        XCTAssertEqual(recipe.model?.shareWeights, false)
        XCTAssertEqual(recipe.componentName("backbone"), "resnet18")
        XCTAssertEqual(recipe.componentParameters("backbone"), ["lastStride": .int(1)])
        XCTAssertEqual(recipe.componentName("attention0"), "usam")
        XCTAssertEqual(train.optimizer, .sgd(lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 5e-4))
        XCTAssertEqual(train.schedule, .step(stepEpochs: 2, gamma: 0.1, warmupEpochs: 0))
        XCTAssertEqual(recipe.evaluation.metrics, [.recall(1), .recall(5)])
        XCTAssertEqual(recipe.componentSections.map(\.section), ["backbone", "attention0", "aggregator", "loss", "sampler"])
    }

    func testOverridesWriteTypedValuesAndComponentParameters() throws {
        InTreePlugins.load()
        let recipe = makeRecipe()
        try recipe.override([
            "train.epochs=2", "dataset.locations=200", "train.lr=1", "train.momentum=0.5", "train.gamma=0.5",
            "dataset.difficulty=easy", "dataset.layout=university", "loss.labelSmoothing=0.2", "attention0.polish=false",
            "attention0.at=layer1", "evaluate.metrics=R@1,R@2%,AP", "backbone.lastStride=2"
        ])
        XCTAssertEqual(recipe.train?.epochs, 2)
        XCTAssertEqual(recipe.dataset?.locations, 200)
        XCTAssertEqual(recipe.dataset?.difficulty, .easy)
        XCTAssertEqual(recipe.dataset?.layout, .university)
        XCTAssertEqual(recipe.train?.optimizer, .sgd(lr: 1, momentum: 0.5, nesterov: true, weightDecay: 5e-4))
        XCTAssertEqual(recipe.train?.schedule, .step(stepEpochs: 2, gamma: 0.5, warmupEpochs: 0))
        XCTAssertEqual(recipe.componentParameters("loss"), ["labelSmoothing": .double(0.2)])
        XCTAssertEqual(recipe.componentParameters("attention0"), ["polish": .bool(false)])
        XCTAssertEqual(recipe.componentParameters("backbone"), ["lastStride": .int(2)])
        XCTAssertEqual(recipe.model?.parts[1].role, .attention(at: "layer1"))
        XCTAssertEqual(recipe.evaluation.metrics, [.recall(1), .recallPercent(2), .averagePrecision])
        // Switching the optimiser keeps its rate and weight decay; the other values are the new case's defaults.
        try recipe.override(["train.optimizer=adamw"])
        XCTAssertEqual(recipe.train?.optimizer, .adamW(lr: 1, weightDecay: 5e-4))
        try recipe.override(["train.schedule=cosine"])
        XCTAssertEqual(recipe.train?.schedule, .cosine(warmupEpochs: 0))
    }

    func testAnUnknownNameListsTheNearestKnownOnes() throws {
        InTreePlugins.load()
        let error = try XCTUnwrap(refusal("train.epoch=2"))
        XCTAssertEqual(error.what, "recipe settings has no value 'train.epoch'")
        XCTAssertTrue(error.remedy.hasPrefix("did you mean train.epochs, "), error.remedy)
        let typo = try XCTUnwrap(refusal("loss.labelSmothing=0.1"))
        XCTAssertTrue(typo.remedy.hasPrefix("did you mean loss.labelSmoothing"), typo.remedy)
    }

    func testAWrongValueIsOneErrorNamingTheSettingTheValueAndWhatIsAccepted() throws {
        InTreePlugins.load()
        let cases: [(String, String)] = [
            ("train.epochs=two", "train.epochs must be an int in [1, 100000], got 'two'"),
            ("train.epochs=0", "train.epochs must be an int in [1, 100000], got '0'"),
            ("train.lr=nan", "train.lr must be a number in (0, 10], got 'nan'"),
            ("dataset.sameArea=maybe", "dataset.sameArea must be true or false, got 'maybe'"),
            ("dataset.difficulty=extreme", "dataset.difficulty must be one of easy, medium, hard, got 'extreme'"),
            ("train.optimizer=adagrad", "train.optimizer must be one of sgd, adam, adamw, got 'adagrad'"),
            ("aggregator.p=0", "aggregator.p must be a number in (0, 64], got '0'"),
            ("attention0.polish=2", "attention0.polish must be true or false, got '2'"),
            ("evaluate.metrics=R@1,P@5", "evaluate.metrics must be a comma-separated list of R@K, R@P% and AP, got 'R@1,P@5' ('P@5' is none of them)"),
            ("train.epochs", "'train.epochs' is not name=value")
        ]
        for (assignment, expected) in cases {
            let error = try XCTUnwrap(refusal(assignment), assignment)
            XCTAssertEqual(error.what, expected)
        }
        let error = try XCTUnwrap(refusal("train.epochs=two"))
        XCTAssertEqual(error.whereContext, "--set train.epochs=two, recipe settings")
        XCTAssertEqual(error.remedy, "train.epochs: training epochs; e.g. --set train.epochs=3")
        let recipe = makeRecipe()
        _ = refusal("train.epochs=0", recipe)
        XCTAssertEqual(recipe.train?.epochs, 3, "a refused value is not written")
    }

    func testAValueOfAnotherCaseDoesNotApply() throws {
        InTreePlugins.load()
        let recipe = makeRecipe()
        try recipe.override(["train.optimizer=adam"])
        XCTAssertEqual(refusal("train.momentum=0.5", recipe)?.what, "train.momentum does not apply to recipe settings (it exists with optimizer .sgd)")
        XCTAssertEqual(
            refusal("backbone.strict=true", recipe)?.what,
            "backbone.strict does not apply to recipe settings (it exists with Backbone(..., weights:))")
        XCTAssertEqual(
            refusal("train.schedule=step", Recipe("cosine") { Train(epochs: 1, batchSize: 2) })?.what,
            "train.schedule=step needs its step length")
    }

    /// The model builder validates the recipe first: each value against its range, naming it.
    func testBuildingTheModelValidatesTheRecipesValues() throws {
        InTreePlugins.load()
        let cases: [(Recipe, String)] = [
            (Recipe("settings") { Train(epochs: 1, batchSize: 8, optimizer: .adam(lr: .nan)) }, "train.lr must be in (0, 10], got nan"),
            (Recipe("settings") { Train(epochs: 1, batchSize: 8, schedule: .step(stepEpochs: 1, gamma: 0)) }, "train.gamma must be in (0, 1], got 0"),
            (Recipe("settings") { Evaluate(every: 0) }, "evaluate.every must be in [1, 100000], got 0"),
            (Recipe("settings") { Dataset.synthetic(colourJitter: -0.5) }, "dataset.colourJitter must be in [0, 1], got -0.5"),
            (Recipe("settings") { Evaluate(metrics: []) }, "Evaluate(metrics:) lists no metric"),
            (Recipe("settings") { Evaluate(metrics: [.recall(1), .recall(1)]) }, "Evaluate(metrics:) lists R@1 twice"),
            (Recipe("settings") { Evaluate(metrics: [.recall(0)]) }, "R@0: K must be in [1, 1000000], got 0"),
            (Recipe("settings") { Evaluate(metrics: [.recallPercent(101)]) }, "R@101%: the percentage must be in [1, 100], got 101"),
            (
                Recipe("settings") {
                    Model {
                        Backbone("resnet18"); Backbone("resnet34"); Aggregator("gem")
                    }
                },
                "the model names 2 backbones, one is used"
            )
        ]
        for (recipe, expected) in cases {
            XCTAssertThrowsError(try CrossViewModel(recipe: recipe)) { error in
                XCTAssertEqual((error as? GeoKitError)?.what, expected)
                XCTAssertEqual((error as? GeoKitError)?.whereContext.hasPrefix("recipe settings"), true, "\(error)")
            }
        }
        XCTAssertNoThrow(try makeRecipe().validate())
    }

    /// Every table entry reads back what it wrote, as its declared type.
    func testEverySettingReadsBackItsTypedValue() throws {
        InTreePlugins.load()
        let recipe = makeRecipe()
        for setting in recipe.settingsTable {
            guard let value = setting.value(in: recipe) else { continue }
            XCTAssertEqual(value.type, setting.type, setting.name)
            try recipe.override(["\(setting.name)=\(value)"])
            XCTAssertEqual(setting.value(in: recipe), value, setting.name)
        }
        XCTAssertEqual(Set(recipe.settingsTable.map(\.name)).count, recipe.settingsTable.count, "names are unique")
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

/// Unshared branches may set a model part's parameters their own way (LPN on CVUSA: rows for the panorama,
/// square rings for the satellite tile), in the recipe, through --set and through an export.
final class ViewParameterTests: XCTestCase {
    private func lpnRecipe(shared: Bool = false) -> Recipe {
        Recipe("per-view") {
            Dataset.synthetic(locations: 40, difficulty: .easy, ground: .panorama(64, 64), aerial: .square(64))
            Model(shareWeights: shared) {
                Backbone("resnet18")
                Aggregator("lpn", ["blocks": 2], ground: ["partition": "row"], aerial: ["partition": "ring"])
            }
            Loss("infonce")
        }
    }

    /// The output of `aggregator:lpn` built alone with `partition` on `map`.
    private func lpn(_ partition: String, _ map: Tensor) throws -> Tensor {
        let aggregator = try Registry.shared.make(.aggregator, "lpn", ["blocks": .int(2), "partition": .string(partition)])
        return aggregator(map)
    }

    func testEachBranchIsBuiltWithItsOwnParameters() throws {
        InTreePlugins.load()
        let recipe = lpnRecipe()
        XCTAssertEqual(recipe.componentParameters("aggregator", view: .ground), ["blocks": .int(2), "partition": .string("row")])
        XCTAssertEqual(recipe.componentParameters("aggregator"), ["blocks": .int(2)])
        let model = try CrossViewModel(recipe: recipe)
        let map = randomDouble([2, 3, 6, 6], seed: 5).to(.float32)
        assertClose(model.ground.aggregator(map), try lpn("row", map), tolerance: 0, "ground rows")
        assertClose(model.aerial.aggregator(map), try lpn("ring", map), tolerance: 0, "aerial rings")
        let (rows, rings) = (model.ground.aggregator(map).scalars(as: Float.self), model.aerial.aggregator(map).scalars(as: Float.self))
        XCTAssertGreaterThan(zip(rows, rings).map { abs($0 - $1) }.max() ?? 0, 1e-3, "the two partitions differ on this map")
    }

    func testSetWritesOneBranchAndTheListingShowsIt() throws {
        InTreePlugins.load()
        let recipe = lpnRecipe()
        try recipe.override(["aggregator.aerial.partition=column", "aggregator.blocks=3"])
        XCTAssertEqual(recipe.componentParameters("aggregator", view: .aerial), ["blocks": .int(3), "partition": .string("column")])
        XCTAssertEqual(recipe.componentParameters("aggregator", view: .ground), ["blocks": .int(3), "partition": .string("row")])
        XCTAssertTrue(try recipe.settingsListing().contains { $0.hasPrefix("aggregator.aerial.partition = column") })
        XCTAssertThrowsError(try recipe.override(["aggregator.aerial.partition=spiral"])) { error in
            XCTAssertTrue("\(error)".contains("must be one of ring, row, column"), "\(error)")
        }
        XCTAssertThrowsError(try recipe.override(["aggregator.side.partition=row"])) { error in
            XCTAssertTrue("\(error)".contains("has no value 'aggregator.side.partition'"), "\(error)")
        }
    }

    func testSharedWeightsWithBranchParametersAreOneMessage() throws {
        InTreePlugins.load()
        XCTAssertThrowsError(try CrossViewModel(recipe: lpnRecipe(shared: true))) { error in
            XCTAssertEqual(
                (error as? GeoKitError)?.what,
                "aggregator sets aerial and ground parameters of its own, and the views share one network")
        }
    }

    func testAnExportKeepsEachBranchsParameters() throws {
        InTreePlugins.load()
        let recipe = lpnRecipe()
        let model = try CrossViewModel(recipe: recipe)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("geokit-per-view-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try ExportedModel.write(model, recipe: recipe, to: directory)
        XCTAssertEqual(config.components.first { $0.section == "aggregator" }?.views?["aerial"], ["partition": .string("ring")])
        let loaded = try ExportedModel.load(directory)
        model.train(false)
        let images = randomDouble([2, 3, 64, 64], seed: 9).to(.float32)
        for (view, branch) in [(CrossView.ground, model.ground), (.aerial, model.aerial)] {
            assertClose(try loaded.embed(inputs: images, view: view).l2Normalized(), noGrad { branch(images).l2Normalized() }, tolerance: 1e-5, "\(view)")
        }
    }
}
