import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// The run's log: plain lines to standard output and `train.log`, and on a
/// terminal a `ProgressBar` on standard error (epoch, step, loss, images/s,
/// ETA) redrawn in place.
public final class TrainingLog {
    private let file: FileHandle?
    private let bar = ProgressBar(label: "epoch")
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

    /// Redraws the bar on a terminal (at most 10 times a second); elsewhere
    /// writes a plain line at every quarter of the epoch.
    public func progress(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, imagesPerSecond: Double, eta: Double) {
        guard enabled else { return }
        guard bar.isTerminal else {
            let quarter = Swift.max(1, steps / 4)
            if step % quarter == 0 && step < steps {
                line(
                    String(
                        format: "epoch %d/%d step %d/%d  loss %.4f  %.1f img/s  ETA %@", epoch, epochs, step, steps, loss,
                        imagesPerSecond, TrainingLog.duration(eta)))
            }
            return
        }
        bar.update(
            step, steps, label: "epoch \(epoch)/\(epochs)",
            details: String(format: "loss %.4f  %.1f img/s  ETA %@", loss, imagesPerSecond, TrainingLog.duration(eta)))
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
