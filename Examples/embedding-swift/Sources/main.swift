// Trains a model with an attention module of its own on a synthetic world and evaluates it.
//
//     mkdir -p plugins && ln -sf /path/to/geokit/.build/release/lib{Backbones,Sample4Geo}Plugin.so plugins/
//     GEOKIT_PLUGIN_PATH=plugins swift run -c release EmbeddingSwift [WORLD [EPOCHS [LOCATIONS]]]
//
// GEOKIT_PLUGIN_PATH makes the model zoo (resnet18) available; WORLD (default ./world) is generated on first use.
import Foundation
import GeoKit

/// The research idea: a squeeze-and-excitation style gate, each channel of the backbone's map scaled by a weight
/// computed from the map's global mean (sigmoid(W mean + b)). Any `Module` that is an `AttentionModule` can go
/// into a branch; its parameters train and are saved with the rest, under `attention0.*`.
final class ChannelGate: Module, AttentionModule {
    let fc: Linear

    init(channels: Int) {
        fc = Linear(channels, channels)
        super.init()
        register("fc", fc)
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let weights = fc(x.mean(axes: [2, 3])).sigmoid().reshaped([n, c, 1, 1])
        return x * weights
    }
}

/// ResNet-18 from the model zoo, our gate after it, GeM pooling; one branch for both views, InfoNCE.
func makeModel() throws -> CrossViewModel {
    let backbone = try Backbone("resnet18").make()
    let branch = try ViewBranch(
        backbone: backbone, attentions: [ChannelGate(channels: backbone.outputChannels)], aggregator: Aggregator("gem").make())
    return try CrossViewModel(ground: branch, loss: Loss("infonce"))
}

func main() throws {
    let arguments = CommandLine.arguments.dropFirst().map { $0 }
    let root = arguments.first ?? "world"
    let epochs = arguments.count > 1 ? Int(arguments[1]) ?? 3 : 3
    let locations = arguments.count > 2 ? Int(arguments[2]) ?? 200 : 200
    for error in PluginLoader.loadAll() { print("warning: \(error)") }

    var dataset = Dataset.synthetic(
        locations: locations, difficulty: .easy, testFraction: 0.25, sameArea: true, ground: .panorama(32, 128), aerial: .polar(32, 128))
    dataset.root = root
    let metrics: [Evaluate.Metric] = [.recall(1), .recall(5), .recallPercent(1)]

    GlobalRandom.seed(0)
    let model = try makeModel()
    let run = URL(fileURLWithPath: "runs/embedding-swift")
    let trainer = try Trainer(
        model: model, dataset: dataset, train: Train(epochs: epochs, batchSize: 8, optimizer: .adamW(lr: 1e-3)),
        evaluation: Evaluate(metrics: metrics), directory: run, name: "embedding-swift")
    let summary = try trainer.run()
    for record in summary.history where record.epoch > 0 {
        print(String(format: "epoch %d loss %.4f", record.epoch, record.loss ?? .nan))
    }

    // The evaluator and the checkpoint reader on their own: a fresh model, the best epoch's weights, the held-out split.
    let best = run.appendingPathComponent(Trainer.bestCheckpointName)
    let chosen = try Checkpoint.read(best).best!
    let evaluated = try makeModel()
    try Checkpoint.loadWeights(into: evaluated, from: best)
    let data = try TrainingData(dataset: dataset, seed: 0, input: evaluated.viewInput(dataset)) { _ in }
    let figures = try evaluated.heldOutFigures(data, metrics: metrics)
    print("held-out \(data.test.count) queries, best.safetensors (epoch \(chosen.epoch)): " + Trainer.format(figures, order: metrics.map(\.description)))
}

do {
    try main()
} catch {
    print("error: \(error)")
    exit(1)
}
