import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// The run's log: plain lines to standard output and `train.log`, and the
/// training progress (epoch, step, loss, images/s, ETA) through one
/// `ProgressBar`: redrawn in place on a terminal, a logged line at each
/// quarter of an epoch elsewhere.
public final class TrainingLog {
    private let file: FileHandle?
    private lazy var bar = ProgressBar(label: "epoch", unit: "img", quietSeconds: 0) { [unowned self] in self.line($0) }
    /// False for the log of an `mpirun` rank other than 0, which writes nothing (rank 0 logs the job).
    private var enabled = true

    /// A log that writes nothing (an `mpirun` rank other than 0).
    public static func silent() -> TrainingLog {
        let log = TrainingLog(file: nil)
        log.enabled = false
        return log
    }

    public init(file url: URL?) {
        if let url {
            FileManager.default.createFile(atPath: url.path, contents: nil)
            file = try? FileHandle(forWritingTo: url)
            _ = try? file?.seekToEnd()
        } else {
            file = nil
        }
    }

    /// Appends to an existing log (a resumed run) instead of replacing it.
    public init(appendingTo url: URL) {
        if !FileManager.default.fileExists(atPath: url.path) { FileManager.default.createFile(atPath: url.path, contents: nil) }
        file = try? FileHandle(forWritingTo: url)
        _ = try? file?.seekToEnd()
    }

    public func line(_ text: String) {
        guard enabled else { return }
        bar.clear()
        print(text)
        fflush(stdout)
        file?.write(Data((text + "\n").utf8))
    }

    /// Reports the step to the progress bar; the rate and time left are the trainer's (over all epochs).
    public func progress(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, imagesPerSecond: Double, eta: Double) {
        guard enabled else { return }
        bar.update(
            step, steps, label: "epoch \(epoch)/\(epochs) step", details: String(format: "loss %.4f", loss), rate: imagesPerSecond, eta: eta)
    }
}
