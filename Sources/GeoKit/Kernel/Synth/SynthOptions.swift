import GeoKitCore
import GeoKitData

/// What `geokit synth` generates.
public struct SynthOptions: Sendable {
    public enum Layout: String, Sendable, CaseIterable { case cvusa, university, cvact, vigor }

    /// How hard the world is: how far apart locations are, how many
    /// transient objects the ground view has, how much the two captures'
    /// appearance differs.
    public enum Difficulty: String, Sendable, CaseIterable {
        case easy, medium, hard

        /// Minimum distance between two locations, metres.
        var spacing: Double { self == .easy ? 90 : self == .medium ? 70 : 50 }
        /// Transient-object spots per 100 m^2 around the ground camera (see `SynthScene.addTransients`).
        var transientDensity: Double { self == .easy ? 0.2 : self == .medium ? 0.5 : 1.0 }
        /// Appearance shift strength in [0, 1].
        var appearanceShift: Float { self == .easy ? 0.3 : self == .medium ? 0.65 : 1.0 }
    }

    public var layout: Layout = .cvusa
    /// Total locations, split into train and test by `testFraction`.
    public var locations: Int = 100
    public var seed: UInt64 = 0
    public var aerialSize: Int = 256
    public var panoramaHeight: Int = 128
    public var panoramaWidth: Int = 512
    public var difficulty: Difficulty = .medium
    /// Draw test locations from the same area as the training ones (default: a disjoint area).
    public var sameArea: Bool = false
    /// Drone views per location (university layout).
    public var droneViews: Int = 6
    /// Pixels per side of a drone view (university layout); nil = aerialSize.
    public var droneSize: Int?
    /// Street views per location (university layout): crops of the panorama.
    public var streetViews: Int = 2
    /// Roll every panorama by a random heading (recorded in the GPS table).
    public var unknownHeading: Bool = false
    /// Horizontal field of view of the ground images in degrees (360 = full panorama).
    public var fieldOfView: Double = 360
    /// Fraction of locations in the test split; nil = 0.5 (university) or 0.2 (the others).
    public var testFraction: Double?
    /// JPEG quality of the written images.
    public var jpegQuality: Int = 92

    public init() {}

    var effectiveTestFraction: Double { testFraction ?? (layout == .university ? 0.5 : 0.2) }

    /// How many of the locations are held out.
    var testCount: Int { min(locations - 1, max(1, Int((Double(locations) * effectiveTestFraction).rounded()))) }

    package func validate() throws {
        func fail(_ what: String, _ option: String, _ remedy: String) -> GeoKitError { GeoKitError(what, where: option, remedy: remedy) }
        guard locations >= 2 else {
            throw fail("at least 2 locations are needed (one train, one test), got \(locations)", "--locations", "pass --locations 2 or more")
        }
        guard (16...4096).contains(aerialSize) else { throw fail("aerial size \(aerialSize) is outside 16...4096", "--aerial-size", "pick e.g. 256") }
        guard (8...2048).contains(panoramaHeight), (16...8192).contains(panoramaWidth) else {
            throw fail("panorama size \(panoramaHeight)x\(panoramaWidth) is outside 8...2048 x 16...8192", "--pano-size", "pick e.g. 128x512")
        }
        guard fieldOfView > 0 && fieldOfView <= 360 else { throw fail("field of view \(fieldOfView) is outside (0, 360]", "--fov", "pick e.g. 90") }
        guard (0...64).contains(droneViews) else { throw fail("drone views \(droneViews) is outside 0...64", "--drone-views", "pick e.g. 6") }
        if let droneSize, !(16...4096).contains(droneSize) { throw fail("drone size \(droneSize) is outside 16...4096", "--drone-size", "pick e.g. 256") }
        let f = effectiveTestFraction
        guard f > 0 && f < 1 else { throw fail("test fraction \(f) is outside (0, 1)", "--test-fraction", "pick e.g. 0.2") }
        if layout == .vigor {
            let test = testCount
            guard locations - test >= 8, test >= 8 else {
                throw fail(
                    "the VIGOR layout needs at least 8 training and 8 test locations (4 per city, for 3 semi-positives each), got \(locations - test) and \(test)",
                    "--locations", "pass --locations 40 or more")
            }
        }
    }
}
