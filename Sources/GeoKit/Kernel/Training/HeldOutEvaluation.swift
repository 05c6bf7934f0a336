import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

extension CrossViewModel {
    /// The held-out figures of `data` as metrics.json names them, shared by
    /// training and `geokit eval`: ground queries against the aerial gallery
    /// ("R@1", ...), or for University-1652 both directions ("D->S R@1", ..., "S->D AP");
    /// exactly `metrics` (nil: the dataset's standard ones, `Evaluate.standardMetrics`), every descriptor with flip
    /// test-time augmentation when `flipTTA` (`descriptors(_:view:flipTTA:)`), University-1652's over the `gallery`
    /// convention's gallery. The embedding reports to `progress`.
    /// Any model on any data: research code evaluates its own `CrossViewModel` so.
    /// With a `communicator` of more than one rank (the trainer passes `world` under `mpirun`) queries and gallery are embedded in shards across the
    /// ranks (`embed`) and gathered, with the same figures on every rank as in one process.
    public func heldOutFigures(
        _ data: TrainingData, metrics: [Evaluate.Metric]? = nil, flipTTA: Bool = false,
        gallery: Evaluate.GalleryConvention = .original, progress: ProgressBar? = nil, communicator: Communicator = .process
    ) throws -> [String: Double] {
        let metrics = metrics ?? Evaluate.standardMetrics(university: data.university != nil)
        if let university = data.university {
            return try university.figures(
                model: self, input: data.input, metrics: metrics, progress: progress, flipTTA: flipTTA, gallery: gallery,
                communicator: communicator)
        }
        if let vigor = data.vigor {
            return try vigor.figures(model: self, input: data.input, metrics: metrics, progress: progress, flipTTA: flipTTA, communicator: communicator)
        }
        let (queries, gallery) = try embed(data, split: .test, progress: progress, flipTTA: flipTTA, communicator: communicator)
        return Evaluate.figures(queries: queries, gallery: gallery, positives: (0..<data.test.count).map { [$0] }, metrics: metrics)
    }
}

extension Evaluate {
    /// The metrics evaluation reports for `data`, in order, each R@P% with this convention (`metrics(for:)` of its layout).
    public func metrics(for data: TrainingData) -> [Metric] {
        (metrics ?? Evaluate.standardMetrics(university: data.university != nil)).map {
            if case .recallPercent(let p, _) = $0 { .recallPercent(p, percentConvention) } else { $0 }
        }
    }

    /// `metrics` of one retrieval (each query's true gallery items in `positives`), by name.
    /// R@P% ranks within K = P% of the gallery, rounded by the metric's `PercentConvention`.
    public static func figures(queries: Tensor, gallery: Tensor, positives: [[Int]], metrics: [Metric]) -> [String: Double] {
        let size = gallery.shape[0]
        func k(_ metric: Metric) -> Int? {
            switch metric {
            case .recall(let k): k
            case .recallPercent(let p, let convention): convention.k(gallery: size, percent: p)
            case .averagePrecision: nil
            }
        }
        let ks = Array(Set(metrics.compactMap(k))).sorted()
        let result = RetrievalMetrics.evaluate(queries: queries, gallery: gallery, positives: positives, ks: ks)
        var figures: [String: Double] = [:]
        for metric in metrics { figures[metric.description] = k(metric).map { result.recall[$0] ?? 0 } ?? result.averagePrecision }
        return figures
    }

    /// The names of `metrics` as figures carry them, with each University-1652 direction's prefix.
    public static func names(_ metrics: [Metric], directions: [String] = [""]) -> [String] {
        directions.flatMap { d in metrics.map { d.isEmpty ? $0.description : "\(d) \($0)" } }
    }
}
