import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

extension CrossViewModel {
    /// The held-out figures of `data` as metrics.json names them, shared by
    /// training and `geokit eval`: ground queries against the aerial gallery
    /// ("R@1", ...), or for University-1652 both directions ("D->S R@1", ..., "S->D AP").
    public func heldOutFigures(_ data: TrainingData, ks: [Int] = [1, 5, 10]) throws -> [String: Double] {
        if let university = data.university { return try university.figures(model: self, input: data.input, ks: ks) }
        let (queries, gallery) = try embed(data, split: .test)
        return RunSummary.figures(RetrievalMetrics.evaluate(queries: queries, gallery: gallery, truth: Array(0..<data.test.count), ks: ks))
    }
}
