import Foundation
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// Retrieval accuracy in percent (docs/methods.md, "The task and its metrics"): R@K, R@1% (K =
/// ceil(1% of the gallery)), and, where a query has several true gallery
/// items, mean average precision as University-1652 defines it.
public struct RetrievalMetrics: Codable, Equatable, Sendable {
    /// R@K by K.
    public var recall: [Int: Double]
    public var recallAtOnePercent: Double
    /// Mean average precision, when the evaluation has several positives per query.
    public var averagePrecision: Double?
    public var queries: Int
    public var gallery: Int

    /// Evaluates queries that each have one true reference, `truth[q]` (CVUSA, CVACT).
    public static func evaluate(queries: Tensor, gallery: Tensor, truth: [Int], ks: [Int] = [1, 5, 10]) -> RetrievalMetrics {
        evaluate(queries: queries, gallery: gallery, positives: truth.map { [$0] }, ks: ks, withAP: false)
    }

    /// Evaluates queries with sets of true gallery items (University-1652); includes AP.
    public static func evaluate(queries: Tensor, gallery: Tensor, positives: [[Int]], ks: [Int] = [1, 5, 10]) -> RetrievalMetrics {
        evaluate(queries: queries, gallery: gallery, positives: positives, ks: ks, withAP: true)
    }

    private static func evaluate(queries: Tensor, gallery: Tensor, positives: [[Int]], ks: [Int], withAP: Bool) -> RetrievalMetrics {
        require(positives.count == queries.shape[0], "GeoKit: \(positives.count) ground-truth entries for \(queries.shape[0]) queries")
        let ng = gallery.shape[0]
        let onePercent = max(1, Int((Double(ng) * 0.01).rounded(.up)))
        let allKs = Set(ks + [onePercent])
        var hits = [Int: Int]()
        var apSum = 0.0
        Similarity.forEachRow(queries: queries, gallery: gallery) { q, row in
            let truth = positives[q]
            require(!truth.isEmpty && truth.allSatisfy { $0 >= 0 && $0 < ng }, "GeoKit: query \(q) has invalid true gallery items \(truth)")
            let best = truth.map { Ranking.position(of: $0, in: row) }.min()!
            for k in allKs where best < k { hits[k, default: 0] += 1 }
            if withAP { apSum += averagePrecision(positions: truth.map { Ranking.position(of: $0, in: row) }) }
        }
        let n = Double(max(queries.shape[0], 1))
        var recall: [Int: Double] = [:]
        for k in ks { recall[k] = 100 * Double(hits[k] ?? 0) / n }
        return RetrievalMetrics(
            recall: recall, recallAtOnePercent: 100 * Double(hits[onePercent] ?? 0) / n,
            averagePrecision: withAP ? 100 * apSum / n : nil,
            queries: queries.shape[0], gallery: ng)
    }

    /// University-1652's AP: the trapezoid rule over the precision at each
    /// true item's 0-based rank (precision before it and at it, averaged).
    public static func averagePrecision(positions: [Int]) -> Double {
        let ranks = positions.sorted()
        let d = 1.0 / Double(ranks.count)
        var ap = 0.0
        for (i, r) in ranks.enumerated() {
            let precision = Double(i + 1) / Double(r + 1)
            let previous = r == 0 ? 1.0 : Double(i) / Double(r)
            ap += d * (previous + precision) / 2
        }
        return ap
    }
}
