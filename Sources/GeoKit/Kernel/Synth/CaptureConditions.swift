import Foundation
import GeoKitCore
import GeoKitData

/// When and how an image of the synthetic world was taken: sun position,
/// exposure and colour cast, season (vegetation colour), haze and clouds.
/// Aerial and ground captures of a location draw their conditions
/// independently — the appearance shift the cross-view methods must ignore.
public struct CaptureConditions: Sendable {
    /// Sun bearing in radians clockwise from north, and elevation above the horizon.
    public var sunAzimuth: Double
    public var sunElevation: Double
    public var brightness: Float
    public var tint: SIMD3<Float>
    /// 0 = summer green ... 1 = autumn/dry vegetation.
    public var season: Float
    public var haze: SIMD3<Float>
    public var cloudiness: Float

    public init(
        sunAzimuth: Double = 2.4, sunElevation: Double = 0.9, brightness: Float = 1, tint: SIMD3<Float> = .one,
        season: Float = 0, haze: SIMD3<Float> = SIMD3(0.78, 0.83, 0.88), cloudiness: Float = 0.3
    ) {
        self.sunAzimuth = sunAzimuth
        self.sunElevation = sunElevation
        self.brightness = brightness
        self.tint = tint
        self.season = season
        self.haze = haze
        self.cloudiness = cloudiness
    }

    /// Random conditions; `shift` in [0, 1] scales how far they stray from neutral.
    public static func random(_ g: inout RandomGenerator, shift: Float) -> CaptureConditions {
        func centred() -> Float { Float(g.uniform() * 2 - 1) }
        var c = CaptureConditions()
        c.sunAzimuth = g.uniform() * 2 * .pi
        c.sunElevation = 0.35 + g.uniform() * 0.9
        c.brightness = 1 + 0.3 * shift * centred()
        c.tint = SIMD3(1 + 0.12 * shift * centred(), 1 + 0.06 * shift * centred(), 1 + 0.12 * shift * centred())
        c.season = shift * Float(g.uniform())
        let evening = Float(max(0, 0.7 - c.sunElevation)) * shift
        c.haze = SIMD3(0.78 + 0.15 * evening, 0.83 - 0.05 * evening, 0.9 - 0.2 * evening)
        c.cloudiness = Float(g.uniform())
        return c
    }

    /// Unit vector (east, north, up) towards the sun.
    var sunDirection: SIMD3<Double> {
        SIMD3(sin(sunAzimuth) * cos(sunElevation), cos(sunAzimuth) * cos(sunElevation), sin(sunElevation))
    }

    /// A surface colour as this capture records it.
    @inline(__always)
    func apply(_ colour: RGB, surface: SynthPrimitive.Surface) -> RGB {
        var c = colour
        if season > 0, surface == .grass || surface == .canopy || surface == .field {
            let dry = RGB(c.x * 1.4 + 0.08, c.y * 1.02 + 0.02, c.z * 0.55)
            c = c.mixed(dry, season)
        }
        return c * tint * brightness
    }
}

extension Image {
    /// Stores float colours (clamped to [0, 1]) as an RGB image.
    static func rgb(height: Int, width: Int, _ colours: [RGB]) -> Image {
        var out = Image(height: height, width: width, channels: 3)
        out.pixels.withUnsafeMutableBufferPointer { dst in
            for (i, c) in colours.enumerated() {
                let v = clampedUnit(c) * 255 + 0.5
                dst[i * 3] = UInt8(v.x); dst[i * 3 + 1] = UInt8(v.y); dst[i * 3 + 2] = UInt8(v.z)
            }
        }
        return out
    }
}

@inline(__always)
func clampedUnit(_ c: RGB) -> RGB { c.replacing(with: 0, where: c .< 0).replacing(with: 1, where: c .> 1) }
