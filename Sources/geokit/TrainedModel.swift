import ArgumentParser
import Foundation
import GeoKit

/// The options every retrieval command shares: which recipe built the
/// model and which weights to load (default: the recipe's run directory).
struct TrainedModelOptions: ParsableArguments {
    @Option(help: "The recipe the model was trained with.")
    var recipe: String?

    @Option(name: .customLong("set"), help: "Recipe overrides used for training, e.g. dataset.locations=200 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Weights (default runs/<recipe name>/checkpoint.safetensors).")
    var weights: String?

    /// The recipe and its model with the trained weights, in eval mode.
    func load() throws -> (recipe: Recipe, model: CrossViewModel) {
        // Optional for the parser only: `geokit search --index` needs no recipe; everything else does.
        guard let recipe else { throw GeoKitError("no recipe given", remedy: "pass --recipe FILE (the recipe the model was trained with)") }
        return try Self.load(recipe: recipe, overrides: overrides, weights: weights)
    }

    /// The recipe file with `overrides` and its model with `weights` (default the recipe's run directory's checkpoint), in eval mode.
    static func load(recipe file: String, overrides: [String], weights: String?) throws -> (recipe: Recipe, model: CrossViewModel) {
        startKernel()
        let recipe = try RecipeCompiler.load(file)
        try recipe.override(overrides)
        // The trained weights replace the pretrained ones, which are therefore not read.
        let model = try CrossViewModel(recipe: recipe, loadPretrained: false)
        let url = URL(fileURLWithPath: weights ?? "runs/\(recipe.name)/\(Trainer.checkpointName)")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw GeoKitError("no weights file", where: url.path, remedy: "train first with geokit run, or pass --weights")
        }
        guard !isDirectory.boolValue else {
            throw GeoKitError(
                "the weights are a directory, a .safetensors file is expected", where: url.path,
                remedy: "pass --weights RUN/checkpoint.safetensors")
        }
        try Checkpoint.loadWeights(into: model, from: url)
        model.eval()
        return (recipe, model)
    }
}

extension CrossView: ExpressibleByArgument {}
