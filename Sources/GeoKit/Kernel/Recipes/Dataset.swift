import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// The data a recipe trains and evaluates on, and how each view is shaped.
///
/// ```swift
/// Dataset.synthetic(locations: 400, ground: .panorama(64, 256), aerial: .polar(64, 256))
/// Dataset.cvusa(root: "data/cvusa", ground: .panorama(128, 512), aerial: .polar(128, 512))
/// Dataset.university1652(root: "data/University-1652", drone: .square(256), satellite: .square(256))
/// ```
public struct Dataset: RecipePart {
    /// The network input shape of a view.
    public enum View: Sendable {
        /// A ground panorama resized to height x width.
        case panorama(Int, Int)
        /// An aerial tile polar-transformed to height x width (docs/methods.md, "View transform").
        case polar(Int, Int)
        /// An aerial tile resized to size x size.
        case square(Int)
    }

    private var values: [(String, ParameterValue)]

    private init(_ values: [(String, ParameterValue)]) { self.values = values }

    /// GeoKit's synthetic world in the CVUSA layout, generated on first use
    /// into `$GEOKIT_CACHE/worlds` (default ~/.cache/geokit/worlds), keyed by
    /// its options. `difficulty` is easy, medium or hard (SynthOptions);
    /// `testFraction` of the locations are held out, drawn from a disjoint
    /// area unless `sameArea`. `layout: "university"` generates the
    /// University-1652 layout with `droneViews` drone views per location and
    /// trains and evaluates it as `university1652` does (`ground` is then the drone view).
    public static func synthetic(locations: Int = 400, difficulty: String = "medium", seed: Int = 0,
                                 testFraction: Double = 0.2, sameArea: Bool = false, layout: String = "cvusa", droneViews: Int = 6,
                                 ground: View = .panorama(64, 256), aerial: View = .polar(64, 256),
                                 augment: Bool = true, colourJitter: Double = 0, erasing: Double = 0) -> Dataset {
        Dataset([("kind", .string("synthetic")), ("root", .string("")), ("locations", .int(locations)),
                 ("difficulty", .string(difficulty)), ("seed", .int(seed)), ("testFraction", .double(testFraction)),
                 ("sameArea", .bool(sameArea)), ("layout", .string(layout)), ("droneViews", .int(droneViews))]
                + augmentationValues(augment, colourJitter, erasing) + viewValues(ground: ground, aerial: aerial))
    }

    /// A CVUSA-layout directory (splits/train-19zl.csv, splits/val-19zl.csv, bingmap/, streetview/).
    public static func cvusa(root: String, ground: View = .panorama(128, 512), aerial: View = .polar(128, 512),
                             augment: Bool = true, colourJitter: Double = 0, erasing: Double = 0) -> Dataset {
        Dataset([("kind", .string("cvusa")), ("root", .string(root))]
                + augmentationValues(augment, colourJitter, erasing) + viewValues(ground: ground, aerial: aerial))
    }

    /// A University-1652-layout directory (train/{drone,satellite}, test/query_drone,
    /// test/gallery_satellite, test/query_satellite, test/gallery_drone). Training
    /// pairs each drone image (the query branch) with its location's satellite
    /// image (the reference branch); evaluation runs drone->satellite and
    /// satellite->drone, reporting "D->S R@1" ... "D->S AP" and "S->D R@1" ... "S->D AP".
    public static func university1652(root: String, drone: View = .square(256), satellite: View = .square(256),
                                      augment: Bool = true, colourJitter: Double = 0, erasing: Double = 0) -> Dataset {
        Dataset([("kind", .string("university1652")), ("root", .string(root))]
                + augmentationValues(augment, colourJitter, erasing) + viewValues(ground: drone, aerial: satellite))
    }

    /// Training augmentation: `augment` flips both views together (50%) and
    /// turns the aerial tile by a random quarter turn, rolling the panorama
    /// to match (Sample4Geo); `colourJitter` is the jitter strength of each
    /// view; `erasing` the probability of erasing a random rectangle of each view.
    private static func augmentationValues(_ augment: Bool, _ jitter: Double, _ erasing: Double) -> [(String, ParameterValue)] {
        [("augment", .bool(augment)), ("colourJitter", .double(jitter)), ("erasing", .double(erasing))]
    }

    private static func viewValues(ground: View, aerial: View) -> [(String, ParameterValue)] {
        var values: [(String, ParameterValue)] = []
        switch ground {
        case .panorama(let h, let w), .polar(let h, let w): values += [("groundHeight", .int(h)), ("groundWidth", .int(w))]
        case .square(let s): values += [("groundHeight", .int(s)), ("groundWidth", .int(s))]
        }
        switch aerial {
        case .polar(let h, let w):
            values += [("polar", .bool(true)), ("aerialHeight", .int(h)), ("aerialWidth", .int(w)), ("aerialSize", .int(2 * h))]
        case .panorama(let h, let w):
            values += [("polar", .bool(false)), ("aerialHeight", .int(h)), ("aerialWidth", .int(w)), ("aerialSize", .int(max(h, w)))]
        case .square(let s):
            values += [("polar", .bool(false)), ("aerialHeight", .int(s)), ("aerialWidth", .int(s)), ("aerialSize", .int(s))]
        }
        return values
    }

    public func contribute(to settings: inout RecipeSettings) {
        for (key, value) in values { settings["dataset.\(key)"] = value }
    }
}
