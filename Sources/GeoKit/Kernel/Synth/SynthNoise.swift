import GeoKitCore
import GeoKitData

/// Stateless hashing and value noise for the synthetic world: every random
/// choice about a place is a pure function of the world seed and the place's
/// coordinates, so any location can be rendered alone, in any order, on any
/// thread, and give the same pixels.
enum SynthNoise {
    /// The run-wide seed mixing (`SeedMixing.hash`), so world seeds keep their meaning.
    @inline(__always)
    static func hash(_ a: UInt64, _ b: UInt64 = 0, _ c: UInt64 = 0, _ d: UInt64 = 0) -> UInt64 { SeedMixing.hash(a, b, c, d) }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 { SeedMixing.mix(x) }

    /// A cheaper hash of a lattice cell (one mixing round), for textures and noise.
    @inline(__always)
    static func cell(_ a: UInt64, _ x: Int, _ y: Int, _ salt: UInt64 = 0) -> UInt64 {
        mix(
            a ^ (UInt64(bitPattern: Int64(x)) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(bitPattern: Int64(y)) &* 0xC2B2_AE3D_27D4_EB4F)
                ^ (salt &* 0x1656_67B1_9E37_79F9))
    }

    /// Uniform in [0, 1) from a hash.
    @inline(__always)
    static func unit(_ h: UInt64) -> Float { Float(h >> 40) * 0x1.0p-24 }

    /// Smooth value noise in [0, 1) at (x, y) with unit lattice spacing.
    @inline(__always)
    static func value(_ seed: UInt64, _ x: Float, _ y: Float) -> Float {
        let fx = x.rounded(.down), fy = y.rounded(.down)
        let ix = Int(fx), iy = Int(fy)
        var tx = x - fx, ty = y - fy
        tx = tx * tx * (3 - 2 * tx)
        ty = ty * ty * (3 - 2 * ty)
        let a = unit(cell(seed, ix, iy)), b = unit(cell(seed, ix + 1, iy))
        let c = unit(cell(seed, ix, iy + 1)), d = unit(cell(seed, ix + 1, iy + 1))
        return (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty
    }

    /// Two octaves of value noise, in [0, 1).
    @inline(__always)
    static func fractal(_ seed: UInt64, _ x: Float, _ y: Float) -> Float {
        (value(seed, x, y) * 2 + value(seed &+ 1, x * 2.7, y * 2.7)) / 3
    }
}

/// A colour with float channels in [0, 1] (linear mixing is good enough here).
typealias RGB = SIMD3<Float>

extension SIMD3 where Scalar == Float {
    init(hex: UInt32) {
        self.init(Float((hex >> 16) & 255) / 255, Float((hex >> 8) & 255) / 255, Float(hex & 255) / 255)
    }

    /// Linear interpolation towards `other` by `t`.
    @inline(__always)
    func mixed(_ other: RGB, _ t: Float) -> RGB { self + (other - self) * t }
}
