import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// Anything that may appear in a `Recipe { ... }` body: it stores itself
/// (typed) in the recipe it is part of.
public protocol RecipePart {
    func apply(to recipe: Recipe)
}

/// Collects the parts of a recipe body (plain statements, `if`, `for`).
@resultBuilder
public enum RecipeBuilder {
    public static func buildExpression(_ part: RecipePart) -> [RecipePart] { [part] }
    public static func buildBlock(_ parts: [RecipePart]...) -> [RecipePart] { parts.flatMap { $0 } }
    public static func buildOptional(_ parts: [RecipePart]?) -> [RecipePart] { parts ?? [] }
    public static func buildEither(first parts: [RecipePart]) -> [RecipePart] { parts }
    public static func buildEither(second parts: [RecipePart]) -> [RecipePart] { parts }
    public static func buildArray(_ parts: [[RecipePart]]) -> [RecipePart] { parts.flatMap { $0 } }
}

/// The loss, named by string (`loss:<name>` in the registry), with its parameters.
/// e.g. `Loss("mhnw", ["alpha": 10])`. Losses add: `Loss("instance") + Loss("infonce", weight: 0.5)`
/// trains on the weighted sum (the recipe's sections `loss0`, `loss1`, ... then; each term's
/// weights are kept under `loss.<name>.` in a checkpoint).
public struct Loss: RecipePart, Sendable {
    public var name: String
    public var parameters: [String: ParameterValue]
    /// The factor of this loss in a sum of losses.
    public var weight: Double
    /// The losses of a sum, in order (empty for a single loss).
    public var terms: [Loss] = []

    public init(_ name: String, _ parameters: [String: ParameterValue] = [:], weight: Double = 1) {
        self.name = name
        self.parameters = parameters
        self.weight = weight
    }

    /// The single loss, or the terms of a sum.
    public var summands: [Loss] { terms.isEmpty ? [self] : terms }

    /// A sum of losses, flattened (`a + b + c` has three terms).
    public static func + (a: Loss, b: Loss) -> Loss {
        var sum = Loss("sum")
        sum.terms = a.summands + b.summands
        return sum
    }

    public func apply(to recipe: Recipe) { recipe.loss = self }
}

/// How each epoch's batches are composed (`sampler:<name>`), e.g. `Sampler("gps")`.
public struct Sampler: RecipePart, Sendable {
    public var name: String
    public var parameters: [String: ParameterValue]
    public init(_ name: String, _ parameters: [String: ParameterValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }
    public func apply(to recipe: Recipe) { recipe.sampler = self }
}

/// Evaluation on the held-out split: every `every` epochs (and after the
/// last), exactly the metrics listed, in their order (the log and
/// `geokit eval` print them so; metrics.json stores them by name).
/// For University-1652 each is reported per direction ("D->S R@1", "S->D R@1").
public struct Evaluate: RecipePart, Sendable {
    public enum Metric: Sendable, Hashable, CustomStringConvertible {
        /// R@K: the share of queries whose true reference ranks in the top K ("R@5").
        case recall(Int)
        /// R@P%: recall at K = P% of the gallery, rounded as `PercentConvention` says ("R@1%").
        case recallPercent(Int, PercentConvention = .ceiling)
        /// Mean average precision as University-1652 defines it ("AP",
        /// `RetrievalMetrics.averagePrecision`); defined for one true reference
        /// per query too (CVUSA; University-1652's drone->satellite direction).
        case averagePrecision

        /// The name metrics.json, the log and `--set evaluate.metrics` use.
        public var description: String {
            switch self {
            case .recall(let k): "R@\(k)"
            case .recallPercent(let p, _): "R@\(p)%"
            case .averagePrecision: "AP"
            }
        }

        /// Reads "R@5", "R@1%" or "AP".
        public init?(_ text: String) {
            if text == "AP" { self = .averagePrecision; return }
            guard text.hasPrefix("R@") else { return nil }
            let rest = text.dropFirst(2)
            if rest.hasSuffix("%"), let p = Int(rest.dropLast()) {
                self = .recallPercent(p)
            } else if let k = Int(rest) {
                self = .recall(k)
            } else {
                return nil
            }
        }
    }

    /// How R@P% turns P% of a gallery of N into a whole K: the papers differ, and on a small gallery it shows
    /// (N = 150 at 1%: K is 2, 2 and 1; N = 40: 1, 1 and 0; CVACT val's 8,884: 89, 89 and 88).
    public enum PercentConvention: String, Sendable, CaseIterable {
        /// K = ceil(P% of N), at least 1 (GeoKit's default: K never rounds below the share it names).
        case ceiling
        /// K = floor(P% of N) + 1, as CVM-Net and SAFA's evaluation compute it.
        case safa
        /// K = floor(P% of N), as Sample4Geo's evaluation computes it (`R // 100` at 1%; 0 below N = 100, where
        /// no query can count).
        case sample4geo

        /// K for a gallery of `gallery` items, in integers so that no floating-point rounding moves it.
        public func k(gallery: Int, percent: Int) -> Int {
            let (q, r) = (gallery * percent).quotientAndRemainder(dividingBy: 100)
            switch self {
            case .ceiling: return max(1, q + (r > 0 ? 1 : 0))
            case .safa: return q + 1
            case .sample4geo: return q
            }
        }
    }

    /// Which gallery University-1652's figures rank: the papers differ, and on the published test split it shows
    /// (D->S: 951 satellite images, 250 of them of buildings no drone query shows).
    public enum GalleryConvention: String, Sendable, CaseIterable {
        /// Every gallery image, the distractors included (the University-1652 baseline's evaluation; the default).
        case original
        /// Gallery images of locations no query has are junk and neither rank nor count (Sample4Geo labels them -1).
        case sample4geo
    }

    public var every: Int
    /// The metrics in order; nil for the dataset's standard ones (`standardMetrics`).
    public var metrics: [Metric]?
    /// How every R@P% of `metrics` rounds its K.
    public var percentConvention: PercentConvention
    /// The figure whose improvement rewrites best.safetensors ("R@1", "AP"; for University-1652 a direction's,
    /// "S->D AP", or a bare name meaning the first direction's); nil: the first R@K of the metrics.
    public var best: String?
    /// Flip test-time augmentation: each image's descriptor is the L2-normalised mean of the model's descriptors
    /// of the image and of its horizontal mirror, for both views (as University-1652's and LPN's evaluation do).
    public var flipTTA: Bool
    /// University-1652's gallery (`GalleryConvention`); other datasets have no distractors and ignore it.
    public var gallery: GalleryConvention
    public init(
        every: Int = 1, metrics: [Metric]? = nil, percentConvention: PercentConvention = .ceiling, best: String? = nil,
        flipTTA: Bool = false, gallery: GalleryConvention = .original
    ) {
        self.every = every
        self.metrics = metrics
        self.percentConvention = percentConvention
        self.best = best
        self.flipTTA = flipTTA
        self.gallery = gallery
    }

    /// The figure of `figures` (the names a run reports, `names(_:directions:)`) that `best` chooses, or one error
    /// naming them; `place` is where the choice was made ("recipe NAME").
    public func bestFigure(among figures: [String], place: String) throws -> String {
        guard let best else {
            func isRecall(_ figure: String) -> Bool {
                if case .recall? = Metric(String(figure.split(separator: " ").last ?? "")) { true } else { false }
            }
            return figures.first(where: isRecall) ?? figures.first ?? ""
        }
        if let exact = figures.first(where: { $0 == best }) ?? figures.first(where: { $0.hasSuffix(" " + best) }) { return exact }
        throw GeoKitError(
            "evaluate.best is '\(best)', not one of the figures this run reports (\(figures.joined(separator: ", ")))",
            where: place, remedy: "name one of them (--set evaluate.best=NAME), or add it to evaluate.metrics")
    }

    /// What papers report: R@1, R@5, R@10, R@1%, and for University-1652 (several true images per query) AP.
    public static func standardMetrics(university: Bool) -> [Metric] {
        [.recall(1), .recall(5), .recall(10), .recallPercent(1)] + (university ? [.averagePrecision] : [])
    }

    /// The metrics evaluation reports for `dataset`, in order, each R@P% with the recipe's convention.
    public func metrics(for dataset: Dataset?) -> [Metric] {
        (metrics ?? Evaluate.standardMetrics(university: dataset?.isUniversityLayout ?? false)).map {
            if case .recallPercent(let p, _) = $0 { .recallPercent(p, percentConvention) } else { $0 }
        }
    }
    public func apply(to recipe: Recipe) { recipe.evaluation = self }
}
