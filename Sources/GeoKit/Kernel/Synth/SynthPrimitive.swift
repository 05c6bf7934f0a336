import GeoKitCore
import GeoKitData

/// One element of the synthetic world, painted into a scene raster: an
/// axis-aligned rectangle or a disc with a height, the colour seen from above
/// (`top`) and the colour of its vertical sides (`side`), and a surface kind
/// that selects the texture. Later primitives paint over earlier ones.
public struct SynthPrimitive: Sendable {
    public enum Shape: Sendable {
        /// [minEast, maxEast] x [minNorth, maxNorth] in metres.
        case rectangle(minEast: Double, minNorth: Double, maxEast: Double, maxNorth: Double)
        case disc(east: Double, north: Double, radius: Double)
    }

    /// Selects the texture a surface gets in both views.
    public enum Surface: UInt8, Sendable {
        case ground, grass, road, marking, sidewalk, water, field, parking, flatRoof, gabledRoof, canopy, vehicle, person
    }

    public var shape: Shape
    public var surface: Surface
    /// Height of the top above the ground in metres (0 for flat surfaces).
    public var height: Float
    public var top: SIMD3<Float>
    public var side: SIMD3<Float>
    /// Surface-specific detail: stripe period for fields, ridge direction for
    /// gabled roofs (0 east-west, 1 north-south), trunk height for trees.
    public var detail: Float

    public init(_ shape: Shape, surface: Surface, height: Float = 0, top: SIMD3<Float>, side: SIMD3<Float>? = nil, detail: Float = 0) {
        self.shape = shape
        self.surface = surface
        self.height = height
        self.top = top
        self.side = side ?? top
        self.detail = detail
    }

    /// The bounding box [minEast, minNorth, maxEast, maxNorth].
    var bounds: (Double, Double, Double, Double) {
        switch shape {
        case .rectangle(let a, let b, let c, let d): return (a, b, c, d)
        case .disc(let e, let n, let r): return (e - r, n - r, e + r, n + r)
        }
    }
}
