import ArgumentParser
import Foundation
import GeoKit

/// `geokit eval`: retrieval metrics of a trained model on its recipe's held-out split.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a trained recipe on its held-out split: ground queries against the aerial gallery (R@1, R@5, R@10, R@1%).")

    @OptionGroup var model: TrainedModelOptions

    @Option(help: "Also write the metrics as JSON to this file.")
    var json: String?

    func run() throws {
        let (recipe, model) = try model.load()
        let data = try TrainingData(settings: recipe.settings) { print($0) }
        let (queries, gallery) = model.embed(data, split: .test)
        let metrics = RetrievalMetrics.evaluate(queries: queries, gallery: gallery, truth: Array(0..<data.test.count))
        let figures = RunSummary.figures(metrics)
        print("\(recipe.name): \(metrics.queries) queries, \(metrics.gallery) gallery images")
        print(["R@1", "R@5", "R@10", "R@1%"].map { String(format: "%@ %.2f", $0, figures[$0]!) }.joined(separator: "  "))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(encoder.encode(figures), to: URL(fileURLWithPath: json))
        }
    }
}
