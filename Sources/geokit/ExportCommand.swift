import ArgumentParser
import Foundation
import GeoKit

/// `geokit export RUN --recipe FILE --out DIR`: a run's model as weights-only safetensors and a config.json.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's trained model as model.safetensors (weights only, reference keys) and config.json, loadable without the recipe.",
        discussion: """
            config.json names the components and their parameters, each view's input size and mean/std, the descriptor \
            size and the GeoKit versions (docs/embedding.md). ExportedModel.load (Swift), geokit_model_load (C), \
            geokit.Model.load (Python) and geokit index build --model read the directory.
            Example: geokit export runs/quickstart --recipe Examples/quickstart.swift --out exports/quickstart
            """)

    @Argument(help: ArgumentHelp("The run directory (holding best.safetensors and last.safetensors) or a checkpoint file.", valueName: "run"))
    var runPath: String

    @Option(help: ArgumentHelp("In a run directory: best or last (default: best when the run has one, else last).", valueName: "best|last"))
    var checkpoint: String?

    @Option(help: "The recipe the run was trained with.")
    var recipe: String

    @Option(name: .customLong("set"), help: "Recipe overrides used for training, e.g. dataset.locations=200 (repeatable).")
    var overrides: [String] = []

    @Option(help: "The directory to write (created if needed).")
    var out: String

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runPath, isDirectory: &isDirectory) else {
            throw GeoKitError("the run does not exist", where: runPath, remedy: "pass the run directory geokit run wrote (runs/<recipe name>)")
        }
        let choice = try self.checkpoint.map { text in
            guard let choice = CheckpointChoice(rawValue: text) else {
                throw GeoKitError("--checkpoint is '\(text)', not best or last", remedy: "pass --checkpoint best or last, or the checkpoint file as RUN")
            }
            guard isDirectory.boolValue else {
                throw GeoKitError(
                    "--checkpoint \(text) chooses within a run directory, and the run given is a file", where: runPath,
                    remedy: "pass the run directory, or the checkpoint file without --checkpoint")
            }
            return choice
        }
        let checkpoint = isDirectory.boolValue ? try Trainer.checkpoint(in: URL(fileURLWithPath: runPath), choice: choice) : URL(fileURLWithPath: runPath)
        try OptionCheck.inputFile(checkpoint.path, "the run's checkpoint")
        try OptionCheck.outputFile(out + "/" + ExportConfig.fileName, "--out's config.json")
        startKernel()
        let recipe = try RecipeCompiler.load(self.recipe)
        try recipe.override(overrides)
        let contents = try Checkpoint.read(checkpoint)
        // A checkpoint of another recipe would load only if the shapes happened to agree: refuse it by name.
        if let trained = contents.metadata?.recipe ?? contents.best?.recipe, trained != recipe.name {
            throw GeoKitError(
                "the checkpoint was trained by recipe \(trained), not \(recipe.name)", where: checkpoint.path,
                remedy: "pass the recipe the run was trained with")
        }
        let model = try CrossViewModel(recipe: recipe, loadPretrained: false)
        try model.loadStateDict(contents.weights)
        model.eval()
        let config = try ExportedModel.write(model, recipe: recipe, to: URL(fileURLWithPath: out))
        print("exported \(config.identity) to \(out): \(ExportedModel.weightsName) (\(model.stateDict().count) tensors), \(ExportConfig.fileName)")
    }
}
