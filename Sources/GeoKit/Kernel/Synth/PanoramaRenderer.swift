import Foundation
import GeoKitCore
import GeoKitData

/// Vertical field of view of the synthetic panoramas: elevations from
/// +45 degrees (top row) to -45 degrees (bottom row), horizon in the middle.
public enum PanoramaGeometry {
    public static let topElevation = Double.pi / 4
    public static let bottomElevation = -Double.pi / 4
}

extension SynthScene {
    /// A 360-degree equirectangular ground panorama from `eyeHeight` metres
    /// above the scene centre, ray-cast column by column (front to back,
    /// with a per-column occlusion horizon). Column j looks at compass
    /// bearing 180 + 360 j / width degrees — the polar transform's convention
    /// (see `PolarTransform`), so the panorama and the polar-transformed
    /// aerial tile are column-aligned. Row i looks at elevation
    /// 45 - 90 (i + 0.5) / height degrees.
    public func renderPanorama(
        height: Int, width: Int, eyeHeight: Double = 2, conditions: CaptureConditions,
        maxDistance: Double? = nil
    ) -> Image {
        let reach = min(maxDistance ?? .infinity, Double(half - 1) * cellSize)
        let top = PanoramaGeometry.topElevation
        let rowStep = (top - PanoramaGeometry.bottomElevation) / Double(height)
        var colours = [RGB](repeating: .zero, count: height * width)
        let sun = conditions.sunDirection
        // Per-row elevation tables: the march compares slopes instead of angles.
        let elevations = (0..<height).map { top - (Double($0) + 0.5) * rowStep }
        let slopes = elevations.map { tan($0) }
        let rowDirections = elevations.map { (cos($0), sin($0)) }
        colours.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEachChunk(width, grain: 16) { columns in
                for j in columns {
                    let bearing = Double.pi + 2 * Double.pi * Double(j) / Double(width)
                    let de = sin(bearing), dn = cos(bearing)
                    // Facades hit along this column face back towards the camera (snapped to an axis).
                    let facing = abs(de) > abs(dn) ? SIMD2(-(de > 0 ? 1.0 : -1.0), 0) : SIMD2(0, -(dn > 0 ? 1.0 : -1.0))
                    let light = Float(0.62 + 0.4 * max(0, facing.x * sun.x + facing.y * sun.y))
                    var lowestDrawn = height
                    var d = 0.8
                    while d < reach && lowestDrawn > 0 {
                        let east = centerEast + d * de, north = centerNorth + d * dn
                        guard let i = cellIndex(east: east, north: north) else { break }
                        let h = Double(heights[i])
                        // Only a top above the centre of the lowest undrawn row adds pixels.
                        if (h - eyeHeight) / d > slopes[lowestDrawn - 1] {
                            let elevation = atan2(h - eyeHeight, d)
                            let first = max(0, Int(((top - elevation) / rowStep - 0.5).rounded(.up)))
                            let fog = Float(1 - exp(-d / 60))
                            let surface = surfaces[i]
                            let topColour = conditions.apply(tops[i], surface: surface)
                            for row in first..<lowestDrawn {
                                let z = eyeHeight + d * slopes[row]
                                var colour: RGB
                                if h > 0.3 && z < h - 0.15 {
                                    colour = conditions.apply(facade(i, surface: surface, east: east, north: north, z: z, roof: h), surface: surface) * light
                                } else {
                                    colour = topColour
                                }
                                base[row * width + j] = colour.mixed(conditions.haze * conditions.brightness, fog)
                            }
                            lowestDrawn = min(lowestDrawn, first)
                        }
                        d += max(0.12, d * 0.012)
                    }
                    for row in 0..<lowestDrawn {
                        let (c, s) = rowDirections[row]
                        base[row * width + j] = sky(bearing: (de, dn), elevation: (elevations[row], s, c), sun: sun, conditions: conditions)
                    }
                }
            }
        }
        return Image.rgb(height: height, width: width, colours)
    }

    /// The colour of a cell's vertical side at height z: building facades get
    /// storeys of windows, other objects their side colour.
    @inline(__always)
    func facade(_ i: Int, surface: SynthPrimitive.Surface, east: Double, north: Double, z: Double, roof: Double) -> RGB {
        let side = sides[i]
        guard surface == .flatRoof || surface == .gabledRoof else { return side }
        let storey = z.truncatingRemainder(dividingBy: 3.2)
        let along = ((east + north) / 2.8 - ((east + north) / 2.8).rounded(.down))
        if storey > 1.0 && storey < 2.3 && along > 0.25 && along < 0.75 && z < roof - 0.6 {
            return side * 0.38 + RGB(0.04, 0.06, 0.09)
        }
        return side
    }

    /// Sky: haze at the horizon to blue at the zenith, the sun with its glow, clouds.
    /// `bearing` as (sine, cosine); `elevation` as (angle, sine, cosine).
    func sky(bearing: (Double, Double), elevation: (Double, Double, Double), sun: SIMD3<Double>, conditions: CaptureConditions) -> RGB {
        let dir = SIMD3(bearing.0 * elevation.2, bearing.1 * elevation.2, elevation.1)
        let zenith = RGB(0.25, 0.45, 0.85)
        let t = Float(pow(max(elevation.0, 0) / (Double.pi / 2), 0.55))
        var c = conditions.haze.mixed(zenith, t)
        let cosine = (dir * sun).sum()
        c += RGB(1, 0.9, 0.7) * Float(exp((cosine - 1) * 40)) * 0.6
        if cosine > 0.99955 { c = RGB(1, 0.98, 0.9) }
        // Cloud noise on a circle of bearings, so the panorama has no seam.
        let cloud = SynthNoise.fractal(textureSeed &+ 11, Float(2.5 * bearing.0 + 9 * elevation.0), Float(2.5 * bearing.1 - 6 * elevation.0))
        let cover = max(0, cloud - (1 - conditions.cloudiness * 0.6)) * 3
        c = c.mixed(RGB(0.93, 0.93, 0.95), min(1, cover))
        return c * conditions.brightness * conditions.tint
    }
}
