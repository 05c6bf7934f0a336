import ArgumentParser
import Foundation
import GeoKit

/// `geokit loader-bench DIR`: throughput of the background loader on a CVUSA-layout directory.
struct LoaderBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loader-bench",
        abstract: "Measure the data loader's throughput (decode, augment, polar transform, batch) in images/s.")

    @Argument(help: "CVUSA-layout dataset root.")
    var root: String

    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: "Pairs per batch.")
    var batchSize: Int = 32

    @Option(parsing: .unconditional, help: "Batches to time (0 = one epoch).")
    var batches: Int = 20

    @Option(name: .customLong("aerial-size"), parsing: .unconditional, help: "Aerial tile size before the polar transform.")
    var aerialSize: Int = 256

    @Option(parsing: .unconditional, help: "Model input size HxW of both views (panorama and polar tile).")
    var size: String = "128x512"

    @Flag(help: "Apply the default training augmentations.")
    var augment = false

    func run() throws {
        let (h, w) = try parseSize(size, option: "--size")
        try OptionCheck.number(batchSize, "--batch-size", .between(1, 65_536), command: "loader-bench", example: "32")
        try OptionCheck.number(batches, "--batches", .atLeast(0), command: "loader-bench", example: "20")
        try OptionCheck.number(aerialSize, "--aerial-size", .imageSide, command: "loader-bench", example: "256")
        let dataset = try CVUSADataset(root: URL(fileURLWithPath: root))
        guard !dataset.train.isEmpty else {
            throw GeoKitError(
                "the dataset's training split is empty", where: root, remedy: "point it at a CVUSA-layout directory with a train split (geokit synth)")
        }
        var configuration = CrossViewLoader.Configuration()
        configuration.batchSize = batchSize
        configuration.input = ViewInput(groundSize: (h, w), aerialTileSize: aerialSize, aerialSize: (h, w), polar: true)
        configuration.augmentation = augment ? PairAugmentation() : .none
        let loader = CrossViewLoader(pairs: dataset.train, configuration: configuration, seed: 0)
        let stream = loader.epoch(0)
        let start = Date()
        var pairs = 0
        while pairs / batchSize < (batches > 0 ? batches : stream.count), let batch = try stream.next() { pairs += batch.indices.count }
        let seconds = Date().timeIntervalSince(start)
        print(
            "\(pairs) pairs (\(2 * pairs) images) in "
                + String(format: "%.2f s: %.0f images/s (%d threads)", seconds, Double(2 * pairs) / seconds, Parallel.threadCount))
    }
}
