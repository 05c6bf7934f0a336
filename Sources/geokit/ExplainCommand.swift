import ArgumentParser
import Foundation
import GeoKit

/// `geokit explain --run DIR IMAGE --out OUT.png`: where a trained model looks in an image.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Draw where a trained model looks in an image: the class-activation map of its final features and each attention component's own map.",
        discussion: """
            The run directory's metrics.json names the recipe file and --set overrides it was trained with (geokit run \
            records them), and its best.safetensors (else last.safetensors; --checkpoint chooses) holds the weights; --recipe replaces the recorded recipe \
            (and its overrides). The maps are drawn over the image as the network sees it (an aerial tile polar-transformed \
            when the recipe says so). See docs/run-directory.md.
            """)

    @Option(name: .customLong("run"), help: "The run directory (written by geokit run).")
    var runDirectory: String

    @Argument(help: "The image (a ground view, or an aerial tile with --view aerial).")
    var image: String

    @Option(help: "Which branch the image goes through.")
    var view: CrossView = .ground

    @Option(help: "Output PNG file.")
    var out: String

    @Option(help: "The recipe file, when the run directory does not record one (or to use another).")
    var recipe: String?

    @Option(name: .customLong("set"), help: "Recipe overrides with --recipe (repeatable).")
    var overrides: [String] = []

    @Option(help: ArgumentHelp("best, last, or a checkpoint file (default: best when the run has one, else last).", valueName: "best|last|file"))
    var checkpoint: String?

    func run() throws {
        try OptionCheck.inputFile(image, "the image")
        try OptionCheck.outputFile(out, "--out")
        let directory = URL(fileURLWithPath: runDirectory)
        let metrics = directory.appendingPathComponent("metrics.json")
        var file = recipe, overrides = self.overrides
        if file == nil {
            guard let data = FileManager.default.contents(atPath: metrics.path) else {
                throw GeoKitError(
                    "the run directory has no metrics.json", where: metrics.path,
                    remedy: "pass --run the directory geokit run wrote (it holds metrics.json and last.safetensors)")
            }
            guard let summary = try? JSONDecoder().decode(RunSummary.self, from: data) else {
                throw GeoKitError("metrics.json is not a GeoKit run summary", where: metrics.path, remedy: "pass --run a run directory geokit run wrote")
            }
            guard let recorded = summary.recipeFile else {
                throw GeoKitError(
                    "the run does not record its recipe file (it was not started by geokit run)", where: metrics.path,
                    remedy: "pass --recipe FILE (and its --set overrides)")
            }
            (file, overrides) = (recorded, summary.overrides ?? [])
        }
        let (recipe, model) = try TrainedModelOptions.load(recipe: file!, overrides: overrides, checkpoint: checkpoint, run: directory)
        let picture = try AttentionPicture(
            model: model, image: try Image(contentsOf: URL(fileURLWithPath: image)), view: view, input: model.viewInput(try recipe.requireDataset()))
        try AtomicFile.write(PNG.encode(AttentionPicture.render([picture], caption: "\(recipe.name): \(image)")), to: URL(fileURLWithPath: out))
        print("wrote \(picture.maps.count) maps (" + picture.maps.map(\.title).joined(separator: ", ") + ") to \(out)")
    }
}
