import Foundation
import GeoKit
import XCTest

/// A research script's own attention module, defined here and not registered anywhere: a learned per-channel
/// gate, sigmoid(w) * x, starting open (w = 2).
private final class ChannelGate: Module, AttentionModule {
    let weight: Tensor

    init(channels: Int) {
        weight = Tensor(Array(repeating: Float(2), count: channels), shape: [1, channels, 1, 1])
        super.init()
        registerParameter("weight", weight)
    }

    override func callAsFunction(_ x: Tensor) -> Tensor { x * weight.sigmoid() }
}

/// The typed Swift API: models from component values or registry words, a trainer without a recipe.
final class TypedAPITests: XCTestCase {
    private static func recipe(shareWeights: Bool) -> Recipe {
        Recipe("typed") {
            Dataset.synthetic(locations: 40, difficulty: .easy, seed: 6, sameArea: true, ground: .panorama(16, 64), aerial: .polar(16, 64))
            Model(shareWeights: shareWeights) {
                Backbone("resnet18")
                Attention("triplet")
                Aggregator("gem")
            }
            Loss("infonce")
            Train(epochs: 1, batchSize: 4)
        }
    }

    /// The words a recipe names, given to the typed inits, make a model with the recipe's state-dict keys and
    /// shapes and its component labels, shared and unshared.
    func testTheTypedInitBuildsTheRecipesModel() throws {
        InTreePlugins.load()
        for shared in [true, false] {
            let fromRecipe = try CrossViewModel(recipe: Self.recipe(shareWeights: shared), loadPretrained: false)
            func branch() throws -> ViewBranch {
                try ViewBranch(backbone: Backbone("resnet18"), attentions: [Attention("triplet")], aggregator: Aggregator("gem"))
            }
            let typed = try CrossViewModel(ground: try branch(), aerial: shared ? nil : try branch(), loss: Loss("infonce"))
            let shapes = { (model: CrossViewModel) in model.stateDict().map { "\($0.name) \($0.tensor.shape)" } }
            XCTAssertEqual(shapes(typed), shapes(fromRecipe), "shared: \(shared)")
            XCTAssertEqual(typed.components.map(\.component), fromRecipe.components.map(\.component))
            XCTAssertEqual(typed.components.map(\.section), fromRecipe.components.map(\.section))
            XCTAssertEqual(typed.sharesWeights, shared)
        }
    }

    /// A model with an attention module defined in the test (no plugin) trains with the trainer built without a
    /// recipe: the epoch-mean loss falls over three epochs, every figure is reported, and the run directory holds
    /// last.safetensors with the inline module's weights under `attention0.weight`.
    func testATrainerWithoutARecipeTrainsAnInlineModule() throws {
        InTreePlugins.load()
        let dir = try TemporaryDirectory("geokit-typed-run")
        var dataset = Dataset.synthetic(
            locations: 40, difficulty: .easy, seed: 6, sameArea: true, ground: .panorama(16, 64), aerial: .polar(16, 64))
        dataset.root = dir.file("world").path
        GlobalRandom.seed(3)
        let backbone = try Backbone("resnet18").make()
        let branch = try ViewBranch(
            backbone: backbone, attentions: [ChannelGate(channels: backbone.outputChannels)], aggregator: GeMAggregator())
        let model = try CrossViewModel(ground: branch, loss: Loss("infonce"))
        let trainer = try Trainer(
            model: model, dataset: dataset, train: Train(epochs: 3, batchSize: 8, optimizer: .adamW(lr: 1e-3), seed: 3),
            evaluation: Evaluate(metrics: [.recall(1), .recall(5)]), directory: dir.file("run"), name: "inline")
        let summary = try trainer.run()
        let losses = summary.history.compactMap(\.loss)
        XCTAssertEqual(losses.count, 3)
        XCTAssertLessThan(losses[2], losses[0], "epoch losses \(losses)")
        XCTAssertEqual(Set(summary.final.keys), ["R@1", "R@5"])
        let last = try Checkpoint.read(dir.file("run/last.safetensors"))
        XCTAssertEqual(last.metadata?.recipe, "inline")
        XCTAssertEqual(last.metadata?.components.first { $0.hasPrefix("attention0=") }, "attention0=attention:ChannelGate")
        XCTAssertEqual(last.weights["attention0.weight"]?.scalars(as: Float.self), model.ground.attentions[0].parameters()[0].scalars(as: Float.self))
        XCTAssertNotEqual(last.weights["attention0.weight"]?.scalars(as: Float.self), Array(repeating: 2, count: backbone.outputChannels), "it trained")
    }

    /// The typed trainer checks its settings: a batch of one is refused with one message.
    func testATypedTrainerRefusesABatchOfOne() throws {
        InTreePlugins.load()
        let dir = try TemporaryDirectory("geokit-typed-bad")
        let branch = try ViewBranch(backbone: Backbone("resnet18"), aggregator: Aggregator("gem"))
        let model = try CrossViewModel(ground: branch, loss: Loss("infonce"))
        XCTAssertThrowsError(
            try Trainer(
                model: model, dataset: .synthetic(locations: 10, ground: .panorama(16, 64), aerial: .polar(16, 64)),
                train: Train(epochs: 1, batchSize: 1), directory: dir.file("run"), name: "bad")
        ) { error in
            XCTAssertEqual("\(error)".contains("train.batchSize is 1, below 2"), true, "\(error)")
        }
    }
}
