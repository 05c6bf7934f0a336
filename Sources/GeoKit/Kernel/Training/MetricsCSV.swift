import Foundation
import GeoKitCore

/// The run directory's `metrics.csv`, appended as the run goes (each row one write, so a crash keeps every row
/// written before it): one row per optimiser step (`epoch,step,loss,lr,images_per_s`, the figure columns empty)
/// and one per evaluation (`epoch` and the figure columns, epoch 0 the untrained model). The header is written once,
/// when the run starts; a resumed run first drops the rows of epochs after its checkpoint, which it trains again.
final class MetricsCSV {
    let url: URL
    let header: String
    private let figures: [String]
    private var handle: FileHandle?

    static let fileName = "metrics.csv"

    /// The file in `directory` with a column for each of `figures`, in order (`Evaluate.names`).
    init(directory: URL, figures: [String]) throws {
        url = directory.appendingPathComponent(Self.fileName)
        header = (["epoch", "step", "loss", "lr", "images_per_s"] + figures.map(Self.quoted)).joined(separator: ",")
        self.figures = figures
    }

    deinit { try? handle?.close() }

    /// A new run: the header alone.
    func start() throws {
        try AtomicFile.write(Data((header + "\n").utf8), to: url)
        try open()
    }

    /// A resumed run: the rows of epochs up to `epoch` kept (a file without this run's header starts afresh).
    func resume(after epoch: Int) throws {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard lines.first == header else { return try start() }
        lines = [header] + lines.dropFirst().filter { line in Int(line.prefix { $0 != "," }).map { $0 <= epoch } ?? false }
        try AtomicFile.write(Data(lines.map { $0 + "\n" }.joined().utf8), to: url)
        try open()
    }

    func step(epoch: Int, step: Int, loss: Double, learningRate: Double, imagesPerSecond: Double) throws {
        try append(["\(epoch)", "\(step)", "\(loss)", "\(learningRate)", String(format: "%.1f", imagesPerSecond)] + figures.map { _ in "" })
    }

    func evaluation(epoch: Int, _ values: [String: Double]) throws {
        try append(["\(epoch)", "", "", "", ""] + figures.map { values[$0].map { "\($0)" } ?? "" })
    }

    private func open() throws {
        do { handle = try FileHandle(forWritingTo: url) } catch {
            throw GeoKitError("cannot open metrics.csv for writing", where: url.path, remedy: "check that the run directory is writable")
        }
        handle?.seekToEndOfFile()
    }

    private func append(_ fields: [String]) throws {
        do { try handle?.write(contentsOf: Data((fields.joined(separator: ",") + "\n").utf8)) } catch {
            throw GeoKitError("cannot append to metrics.csv (\(error.localizedDescription))", where: url.path, remedy: "check the disk space")
        }
    }

    /// A figure's name as a CSV field: names such as "D->S R@1" need no quoting, but a comma or quote would.
    private static func quoted(_ name: String) -> String {
        name.contains(where: { ",\"".contains($0) }) ? "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : name
    }
}
