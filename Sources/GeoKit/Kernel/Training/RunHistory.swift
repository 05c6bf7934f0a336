import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// One epoch's figures: mean training loss and, when evaluated, the
/// held-out metrics in percent (epoch 0 is the untrained model).
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var loss: Double?
    public var learningRate: Double?
    public var seconds: Double?
    public var metrics: [String: Double]?
    /// The loss of every training step of the epoch, in order (absent in runs made before it was recorded).
    public var stepLosses: [Double]?
}

/// What `metrics.json` holds: the final metrics (R@1, R@5, R@10, R@1%,
/// AP where defined, in percent), the untrained model's, and the history.
public struct RunSummary: Codable, Sendable {
    public var recipe: String
    public var components: [String]
    public var final: [String: Double]
    public var untrained: [String: Double]?
    public var history: [EpochRecord]
    public var trainingSeconds: Double
    /// The recipe file and `--set` overrides the run was started with (by `geokit run`), so that
    /// `geokit explain --run DIR` can rebuild its model.
    public var recipeFile: String?
    public var overrides: [String]?

    /// The metric names of a RetrievalMetrics result, as metrics.json spells them.
    public static func figures(_ m: RetrievalMetrics) -> [String: Double] {
        var result: [String: Double] = [:]
        for (k, v) in m.recall { result["R@\(k)"] = v }
        result["R@1%"] = m.recallAtOnePercent
        if let ap = m.averagePrecision { result["AP"] = ap }
        return result
    }

    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(self), to: url)
    }
}
