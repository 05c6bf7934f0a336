import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// The data a recipe trains and evaluates on, and how each view is shaped:
/// typed values the trainer reads directly (`--set dataset.NAME=VALUE`
/// writes them through `RecipeSetting.table`).
///
/// ```swift
/// Dataset.synthetic(locations: 400, difficulty: .easy, ground: .panorama(64, 256), aerial: .polar(64, 256))
/// Dataset.cvusa(root: "data/cvusa", ground: .panorama(128, 512), aerial: .polar(128, 512))
/// Dataset.university1652(root: "data/University-1652", drone: .square(256), satellite: .square(256))
/// Dataset.cvact(root: "data/CVACT", evaluation: .val)
/// Dataset.vigor(root: "data/VIGOR", area: .cross)
/// ```
public struct Dataset: RecipePart, Sendable {
    /// The network input shape of a view.
    public enum View: Sendable {
        /// A ground panorama resized to height x width.
        case panorama(Int, Int)
        /// An aerial tile polar-transformed to height x width (docs/methods.md, "View transform").
        case polar(Int, Int)
        /// An aerial tile resized to size x size.
        case square(Int)
    }

    /// Where the pairs come from.
    public enum Kind: String, Sendable, CaseIterable {
        /// GeoKit's synthetic world, generated on first use.
        case synthetic
        /// A CVUSA-layout directory.
        case cvusa
        /// A University-1652-layout directory.
        case university1652
        /// A CVACT-layout directory (ACT_data.mat, ANU_data_small/, ANU_data_test/).
        case cvact
        /// A VIGOR-layout directory (four cities and splits/).
        case vigor
    }

    public var kind: Kind
    /// The dataset directory; for `synthetic`, empty means the world cache.
    public var root: String
    // The synthetic world's options (SynthOptions); only `synthetic` reads them.
    public var locations = 400
    public var difficulty = SynthOptions.Difficulty.medium
    public var seed = 0
    public var testFraction = 0.2
    public var sameArea = false
    public var layout = SynthOptions.Layout.cvusa
    public var droneViews = 6
    /// CVACT's held-out split (CVACT_val or CVACT_test); `cvact` and the synthetic `cvact` layout read it.
    public var evaluation = CVACTDataset.EvaluationSplit.val
    /// VIGOR's same-area or cross-area split; `vigor` and the synthetic `vigor` layout read it.
    public var area = VIGORDataset.Area.same
    /// Training augmentation: `augment` flips both views together (50%) and
    /// turns the aerial tile by a random quarter turn, rolling the panorama
    /// to match (Sample4Geo); `colourJitter` is the jitter strength of each
    /// view; `erasing` the probability of erasing a random rectangle of each view.
    public var augment = true
    public var colourJitter = 0.0
    public var erasing = 0.0
    /// University-1652 (and the synthetic world in its layout): the views trained, 2 (drone, satellite) or 3 (and
    /// the street view, through the drone's branch, as RK-Net and LPN train); with `augment`, each view on its own
    /// (`DroneAugmentation`: no panorama roll) padded by `pad` edge pixels and cropped back, turned by a random
    /// angle up to `droneRotation` (drone and street) or `satelliteRotation` degrees, and mirrored (50%).
    public var views = 2
    public var pad = 10
    public var droneRotation = 0.0
    public var satelliteRotation = 90.0
    /// The network input sizes (from the `View`s): the ground (or drone) view,
    /// the aerial view, and with `polar` the square tile size before the polar transform.
    public var groundHeight: Int, groundWidth: Int
    public var polar: Bool
    public var aerialHeight: Int, aerialWidth: Int, aerialSize: Int

    private init(kind: Kind, root: String, ground: View, aerial: View, augment: Bool, colourJitter: Double, erasing: Double) {
        self.kind = kind
        self.root = root
        self.augment = augment
        self.colourJitter = colourJitter
        self.erasing = erasing
        switch ground {
        case .panorama(let h, let w), .polar(let h, let w): (groundHeight, groundWidth) = (h, w)
        case .square(let s): (groundHeight, groundWidth) = (s, s)
        }
        switch aerial {
        case .polar(let h, let w): (polar, aerialHeight, aerialWidth, aerialSize) = (true, h, w, 2 * h)
        case .panorama(let h, let w): (polar, aerialHeight, aerialWidth, aerialSize) = (false, h, w, max(h, w))
        case .square(let s): (polar, aerialHeight, aerialWidth, aerialSize) = (false, s, s, s)
        }
    }

    /// GeoKit's synthetic world in the CVUSA layout, generated on first use
    /// into `$GEOKIT_CACHE/worlds` (default ~/.cache/geokit/worlds), keyed by
    /// its options. `testFraction` of the locations are held out, drawn from a
    /// disjoint area unless `sameArea`. `layout: .university` generates the
    /// University-1652 layout with `droneViews` drone views per location and
    /// trains and evaluates it as `university1652` does (`ground` is then the drone view).
    public static func synthetic(
        locations: Int = 400, difficulty: SynthOptions.Difficulty = .medium, seed: Int = 0,
        testFraction: Double = 0.2, sameArea: Bool = false, layout: SynthOptions.Layout = .cvusa,
        droneViews: Int = 6, ground: View = .panorama(64, 256), aerial: View = .polar(64, 256),
        augment: Bool = true, colourJitter: Double = 0, erasing: Double = 0
    ) -> Dataset {
        var dataset = Dataset(
            kind: .synthetic, root: "", ground: ground, aerial: aerial, augment: augment,
            colourJitter: colourJitter, erasing: erasing)
        (dataset.locations, dataset.difficulty, dataset.seed, dataset.testFraction) = (locations, difficulty, seed, testFraction)
        (dataset.sameArea, dataset.layout, dataset.droneViews) = (sameArea, layout, droneViews)
        return dataset
    }

    /// A CVUSA-layout directory (splits/train-19zl.csv, splits/val-19zl.csv, bingmap/, streetview/).
    public static func cvusa(
        root: String, ground: View = .panorama(128, 512), aerial: View = .polar(128, 512),
        augment: Bool = true, colourJitter: Double = 0, erasing: Double = 0
    ) -> Dataset {
        Dataset(kind: .cvusa, root: root, ground: ground, aerial: aerial, augment: augment, colourJitter: colourJitter, erasing: erasing)
    }

    /// A University-1652-layout directory (train/{drone,satellite}, with `views: 3` train/street, test/query_drone,
    /// test/gallery_satellite, test/query_satellite, test/gallery_drone). An epoch holds each training location
    /// once: one of its drone images drawn at random (the query branch), its satellite image (the reference
    /// branch) and with `views: 3` one of its street images (through the drone's branch); evaluation runs
    /// drone->satellite and satellite->drone, reporting "D->S R@1" ... "D->S AP" and "S->D R@1" ... "S->D AP".
    public static func university1652(
        root: String, drone: View = .square(256), satellite: View = .square(256), views: Int = 2,
        augment: Bool = true, colourJitter: Double = 0, erasing: Double = 0
    ) -> Dataset {
        var dataset = Dataset(
            kind: .university1652, root: root, ground: drone, aerial: satellite, augment: augment,
            colourJitter: colourJitter, erasing: erasing)
        dataset.views = views
        return dataset
    }

    /// A CVACT-layout directory: training on `trainSet`, evaluation on CVACT_val (`valSet`) or CVACT_test
    /// (`valSetAll`, about 92,802 pairs). Ground panoramas are used whole; GPS neighbours come from the UTM table.
    public static func cvact(
        root: String, evaluation: CVACTDataset.EvaluationSplit = .val, ground: View = .panorama(128, 512),
        aerial: View = .polar(128, 512), augment: Bool = true, colourJitter: Double = 0, erasing: Double = 0
    ) -> Dataset {
        var dataset = Dataset(kind: .cvact, root: root, ground: ground, aerial: aerial, augment: augment, colourJitter: colourJitter, erasing: erasing)
        dataset.evaluation = evaluation
        return dataset
    }

    /// A VIGOR-layout directory, same-area or cross-area. Panoramas are not at their tile's centre, so the aerial
    /// view is a square tile (no polar transform); evaluation reports R@K, R@1%, the hit rate and the top-1 error in metres.
    public static func vigor(
        root: String, area: VIGORDataset.Area = .same, ground: View = .panorama(192, 384), aerial: View = .square(192),
        augment: Bool = true, colourJitter: Double = 0, erasing: Double = 0
    ) -> Dataset {
        var dataset = Dataset(kind: .vigor, root: root, ground: ground, aerial: aerial, augment: augment, colourJitter: colourJitter, erasing: erasing)
        dataset.area = area
        return dataset
    }

    /// The published layout the pairs are read in: the dataset's, or the synthetic world's.
    public var publishedLayout: SynthOptions.Layout {
        switch kind {
        case .synthetic: layout
        case .cvusa: .cvusa
        case .university1652: .university
        case .cvact: .cvact
        case .vigor: .vigor
        }
    }

    /// True when the pairs are University-1652's (the dataset, or the synthetic world in its layout).
    public var isUniversityLayout: Bool { publishedLayout == .university }

    public func apply(to recipe: Recipe) { recipe.dataset = self }
}
