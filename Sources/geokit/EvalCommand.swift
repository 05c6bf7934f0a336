import ArgumentParser
import Foundation
import GeoKit

/// `geokit eval`: retrieval metrics of a trained model on its recipe's held-out split.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract:
            "Evaluate a trained recipe on its held-out split with its Evaluate(metrics:) (default R@1, R@5, R@10, R@1%): ground queries against the aerial gallery, or for University-1652 drone->satellite and satellite->drone (default also AP)."
    )

    @OptionGroup var model: TrainedModelOptions

    @Option(help: "Also write the metrics as JSON to this file.")
    var json: String?

    func run() throws {
        if let json { try OptionCheck.outputFile(json, "--json") }
        let (recipe, model) = try model.load()
        let dataset = try recipe.requireDataset()
        let data = try TrainingData(recipe: recipe, input: model.viewInput(dataset)) { print($0) }
        let metrics = recipe.evaluation.metrics(for: dataset)
        let figures = try model.heldOutFigures(
            data, metrics: metrics, flipTTA: recipe.evaluation.flipTTA, gallery: recipe.evaluation.gallery,
            progress: ProgressBar(label: "eval", unit: "images"))
        if let university = data.university {
            for direction in university.directions.map({ $0.scored(recipe.evaluation.gallery) }) {
                print("\(recipe.name) \(direction.name): \(direction.queries.count) queries, \(direction.gallery.count) gallery images")
                print(Trainer.format(figures.filter { $0.key.hasPrefix(direction.name + " ") }, order: Evaluate.names(metrics, directions: [direction.name])))
            }
        } else {
            print("\(recipe.name): \(data.test.count) queries, \(data.test.count) gallery images")
            print(Trainer.format(figures, order: Evaluate.names(metrics)))
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(encoder.encode(figures), to: URL(fileURLWithPath: json))
        }
    }
}
