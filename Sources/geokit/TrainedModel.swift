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

    @Option(name: .customLong("run"), help: "The run directory --checkpoint best|last reads (default runs/<recipe name>).")
    var runDirectory: String?

    @Option(
        help: ArgumentHelp(
            "best or last (the run directory's best.safetensors or last.safetensors), or a checkpoint file (default: best when the run has one, else last).",
            valueName: "best|last|file"))
    var checkpoint: String?

    @Option(help: "A checkpoint file (the same as --checkpoint FILE).")
    var weights: String?

    /// The recipe and its model with the trained weights, in eval mode.
    func load() throws -> (recipe: Recipe, model: CrossViewModel) {
        // Optional for the parser only: `geokit search --index` needs no recipe; everything else does.
        guard let recipe else { throw GeoKitError("no recipe given", remedy: "pass --recipe FILE (the recipe the model was trained with)") }
        if weights != nil && checkpoint != nil {
            throw GeoKitError("both --weights and --checkpoint are given", remedy: "pass one of them (--weights FILE is --checkpoint FILE)")
        }
        return try Self.load(recipe: recipe, overrides: overrides, checkpoint: weights ?? checkpoint, run: runDirectory.map { URL(fileURLWithPath: $0) })
    }

    /// The checkpoint `checkpoint` names: best or last in `run`, else a file (nil: `Trainer.checkpoint(in:choice:)`'s default).
    static func file(_ checkpoint: String?, run: URL) throws -> URL {
        if let checkpoint, CheckpointChoice(rawValue: checkpoint) == nil { return URL(fileURLWithPath: checkpoint) }
        return try Trainer.checkpoint(in: run, choice: checkpoint.flatMap(CheckpointChoice.init(rawValue:)))
    }

    /// The recipe file with `overrides` and its model with the weights `checkpoint` names (best, last or a file;
    /// in `run`, default the recipe's run directory runs/<recipe name>), in eval mode.
    static func load(recipe file: String, overrides: [String], checkpoint: String?, run: URL?) throws -> (recipe: Recipe, model: CrossViewModel) {
        startKernel()
        let recipe = try RecipeCompiler.load(file)
        try recipe.override(overrides)
        // The trained weights replace the pretrained ones, which are therefore not read.
        let model = try CrossViewModel(recipe: recipe, loadPretrained: false)
        let url = try Self.file(checkpoint, run: run ?? URL(fileURLWithPath: "runs/\(recipe.name)"))
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw GeoKitError("no checkpoint file", where: url.path, remedy: "train first with geokit run, or pass --checkpoint best|last|FILE")
        }
        guard !isDirectory.boolValue else {
            throw GeoKitError(
                "the weights are a directory, a .safetensors file is expected", where: url.path,
                remedy: "pass --checkpoint RUN/last.safetensors (or best, last)")
        }
        try Checkpoint.loadWeights(into: model, from: url)
        model.eval()
        return (recipe, model)
    }
}

extension CrossView: ExpressibleByArgument {}
