import Foundation
import GeoKitCore

/// Which of a run directory's checkpoints to load: `geokit eval/export/search/explain --checkpoint best|last`.
public enum CheckpointChoice: String, CaseIterable, Sendable {
    /// best.safetensors: the weights of the evaluated epoch with the best `Evaluate.best` figure.
    case best
    /// last.safetensors: the weights after the last finished epoch (with the optimiser state `--resume` reads).
    case last
}

extension Trainer {
    /// The file `--resume` reads in `directory`: last.safetensors, or an older run's checkpoint.safetensors when
    /// only that exists (the same contents under the name it had before best.safetensors was kept beside it).
    public static func resumable(in directory: URL) -> URL {
        let last = directory.appendingPathComponent(checkpointName)
        let legacy = directory.appendingPathComponent(legacyCheckpointName)
        let fileManager = FileManager.default
        return !fileManager.fileExists(atPath: last.path) && fileManager.fileExists(atPath: legacy.path) ? legacy : last
    }

    /// The checkpoint of run `directory` that `choice` names; nil chooses best.safetensors when the run wrote one,
    /// else the last (a run stopped before its first evaluation has only that). Missing files are one error.
    public static func checkpoint(in directory: URL, choice: CheckpointChoice?) throws -> URL {
        let best = directory.appendingPathComponent(bestCheckpointName)
        switch choice {
        case .best?:
            guard FileManager.default.fileExists(atPath: best.path) else {
                throw GeoKitError(
                    "the run directory has no \(bestCheckpointName) (written when an evaluated epoch improves evaluate.best)",
                    where: best.path, remedy: "pass --checkpoint last, or train until an epoch is evaluated")
            }
            return best
        case nil where FileManager.default.fileExists(atPath: best.path):
            return best
        case .last?, nil:
            let last = resumable(in: directory)
            guard FileManager.default.fileExists(atPath: last.path) else {
                throw GeoKitError(
                    "the run directory has no \(checkpointName)", where: last.path,
                    remedy: "pass the directory of a run that finished at least one epoch")
            }
            return last
        }
    }

    /// The trained epoch (epoch 0, the untrained model, never counts) with the highest `figure` in `history`, the
    /// earliest of equal ones: the one best.safetensors holds, so that a resumed run keeps comparing against it.
    static func best(of history: [EpochRecord], figure: String) -> (epoch: Int, value: Double)? {
        var best: (epoch: Int, value: Double)?
        for record in history where record.epoch > 0 {
            if let value = record.metrics?[figure], best.map({ value > $0.value }) ?? true { best = (record.epoch, value) }
        }
        return best
    }
}
