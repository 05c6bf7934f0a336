import ArgumentParser
import Foundation
import GeoKit

/// `geokit run FILE.swift`: compiles a recipe against this kernel, then trains and evaluates it.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Compile a recipe (a Swift file using GeoKit's recipe DSL) and train, evaluate and checkpoint it.",
        discussion: """
            The recipe is compiled with swiftc into a shared library (cached by content and kernel version in \
            $GEOKIT_CACHE/recipes, default ~/.cache/geokit/recipes) and loaded. The run directory (--out, default \
            runs/<recipe name>) receives last.safetensors (--resume reads it), best.safetensors, metrics.csv, metrics.json, \
            train.log, loss/recall .png and .svg, \
            retrieval.png, attention.png and report.html (docs/run-directory.md).
            Example: geokit run Examples/quickstart.swift --set train.epochs=2 --set dataset.locations=200
            Data-parallel: mpirun -np 2 geokit run FILE.swift (each rank trains on its share of every batch; rank 0 \
            writes the run directory; docs/scale.md).
            """)

    @Argument(help: "The recipe file.")
    var file: String

    @Option(name: .customLong("set"), help: "Override a recipe value by dotted name, e.g. train.epochs=2 or loss.alpha=5 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Run directory (default runs/<recipe name>).")
    var out: String?

    @Flag(help: "Continue from the run directory's checkpoint.")
    var resume = false

    @Option(
        name: .customLong("stop-after"), parsing: .unconditional,
        help: "End this session after the given epoch (checkpoint written); continue later with --resume.")
    var stopAfter: Int?

    @Flag(help: "Print the assembled model (components, parameters, FLOPs, the pretrained keys loaded) and the recipe's values, without training.")
    var dry = false

    func run() throws {
        let world = Communicator.world
        do {
            try run(world)
        } catch  where !world.isRoot {
            // Rank 0 reports a failure every rank meets (and its exit makes mpirun end this rank); one met
            // by this rank alone is reported after that grace, naming the rank.
            Thread.sleep(forTimeInterval: 2)
            FileHandle.standardError.write(Data("geokit: rank \(world.rank) of \(world.size): ".utf8))
            throw error
        }
        world.finalize()
    }

    private func run(_ world: Communicator) throws {
        if let stopAfter { try OptionCheck.number(stopAfter, "--stop-after", .atLeast(1), command: "run", example: "2") }
        startKernel()
        // Rank 0 compiles into the shared recipe cache; the others load what it stored.
        let recipe = try world.rootFirst {
            let recipe = try RecipeCompiler.load(file)
            try recipe.override(overrides)
            return recipe
        }
        let directory = URL(fileURLWithPath: out ?? "runs/\(recipe.name)")
        if dry {
            guard world.isRoot else { return }
            GlobalRandom.seed(0)
            let model = try CrossViewModel(recipe: recipe)
            print("recipe \(recipe.name)\n")
            let summary = ModelSummary(model: model, dataset: try recipe.requireDataset())
            try ComponentFailure.check()  // the summary runs one forward per view
            print(summary.table)
            for report in model.pretrained { print(report.description) }
            print("\nvalues (--set NAME=VALUE):")
            for line in try recipe.settingsListing() { print("  " + line) }
            return
        }
        // Resuming, the checkpoint's trained weights replace the pretrained ones: they are not read.
        let trainer = try Trainer(recipe: recipe, directory: directory, appendLog: resume, loadPretrained: !resume)
        (trainer.recipeFile, trainer.overrides) = (URL(fileURLWithPath: file).standardizedFileURL.path, overrides)
        try trainer.run(resume: resume, stopAfter: stopAfter)
    }
}
