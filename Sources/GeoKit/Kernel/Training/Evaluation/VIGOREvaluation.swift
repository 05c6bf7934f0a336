import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes

/// VIGOR's held-out retrieval: every test panorama against every satellite of the test cities. Recall counts
/// the positive tile only; the hit rate also forgives the three semi-positives (a query hits when no tile but its
/// semi-positives ranks above its positive, as Sample4Geo scores it); the metre error is the great-circle distance
/// from the panorama's position to the centre of its top-1 tile.
public struct VIGOREvaluation: Sendable {
    public let split: VIGORDataset.Split

    public init(split: VIGORDataset.Split) { self.split = split }

    /// The figures as metrics.json names them: `metrics` (R@K, R@1%) plus "hit rate", "top-1 error m (median)" and
    /// "top-1 error m (mean)"; each embedding reports to `progress`, with flip test-time augmentation when `flipTTA`.
    public func figures(
        model: CrossViewModel, input: ViewInput, metrics: [Evaluate.Metric], progress: ProgressBar? = nil, flipTTA: Bool = false,
        communicator: Communicator = .process
    ) throws -> [String: Double] {
        let queries = try model.embed(
            files: split.queries.map(\.url), view: .ground, input: input, progress: progress, flipTTA: flipTTA, communicator: communicator)
        let gallery = try model.embed(
            files: split.gallery.map(\.url), view: .aerial, input: input, progress: progress, flipTTA: flipTTA, communicator: communicator)
        return Self.figures(queries: queries, gallery: gallery, split: split, metrics: metrics)
    }

    /// The figures of given descriptors (queries in `split.queries` order, gallery in `split.gallery` order).
    public static func figures(queries: Tensor, gallery: Tensor, split: VIGORDataset.Split, metrics: [Evaluate.Metric]) -> [String: Double] {
        var figures = Evaluate.figures(queries: queries, gallery: gallery, positives: split.queries.map { [$0.positive] }, metrics: metrics)
        var hits = 0
        var errors: [Double] = []
        Similarity.forEachRow(queries: queries, gallery: gallery) { q, row in
            let query = split.queries[q]
            let forgiven = Set(query.semiPositives)
            let positive = row[query.positive]
            var ahead = 0
            var top = 0
            for j in 0..<row.count {
                if Ranking.ranksAhead(row[j], j, of: row[top], top) { top = j }
                if j != query.positive, !forgiven.contains(j), Ranking.ranksAhead(row[j], j, of: positive, query.positive) { ahead += 1 }
            }
            if ahead == 0 { hits += 1 }
            let tile = split.gallery[top]
            errors.append(GPSTable.haversineMetres(query.latitude, query.longitude, tile.latitude, tile.longitude))
        }
        let n = Double(max(split.queries.count, 1))
        figures["hit rate"] = 100 * Double(hits) / n
        let sorted = errors.sorted()
        figures["top-1 error m (median)"] =
            sorted.isEmpty ? 0 : sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        figures["top-1 error m (mean)"] = errors.reduce(0, +) / n
        return figures
    }

    /// The names this evaluation adds to the standard metrics.
    public static let extraNames = ["hit rate", "top-1 error m (median)", "top-1 error m (mean)"]
}
