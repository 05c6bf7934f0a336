import Foundation
import GeoKitCore
import GeoKitData

/// A square raster of the synthetic world around one point: per cell the
/// height above ground, the textured colour seen from above, the colour of
/// the cell's vertical sides and its surface kind. The aerial tile, the
/// ground panorama and the drone views are all rendered from the same scene,
/// which is what makes the views agree.
///
/// Cell (row R, column C) holds the world point east = centerEast + (C - half)
/// * cellSize, north = centerNorth - (R - half) * cellSize: rows run south,
/// columns east, like a north-up image whose pixel (half, half) is the centre.
public final class SynthScene {
    public let centerEast: Double
    public let centerNorth: Double
    public let cellSize: Double
    /// Cells per side; the centre is cell (half, half).
    public let size: Int
    public var half: Int { size / 2 }
    let textureSeed: UInt64
    // Per-cell layers, owned by the scene (raw buffers keep the render loops
    // free of array bounds and exclusivity checks).
    let heights: UnsafeMutablePointer<Float>
    let tops: UnsafeMutablePointer<RGB>
    let sides: UnsafeMutablePointer<RGB>
    let surfaces: UnsafeMutablePointer<SynthPrimitive.Surface>
    /// The tallest painted height (bounds ray marching).
    private(set) var maxHeight: Float = 0

    /// A flat, empty (grass) scene of `radius` metres around a point.
    public init(centerEast: Double, centerNorth: Double, radius: Double, cellSize: Double = 0.4, textureSeed: UInt64 = 0) {
        require(radius > 0 && cellSize > 0, "GeoKit: SynthScene needs a positive radius and cell size")
        self.centerEast = centerEast
        self.centerNorth = centerNorth
        self.cellSize = cellSize
        self.textureSeed = textureSeed
        size = 2 * Int((radius / cellSize).rounded(.up))
        let n = size * size
        heights = .allocate(capacity: n); heights.initialize(repeating: 0, count: n)
        tops = .allocate(capacity: n); tops.initialize(repeating: RGB(hex: 0x5E7F3A), count: n)
        sides = .allocate(capacity: n); sides.initialize(repeating: RGB(hex: 0x5E7F3A), count: n)
        surfaces = .allocate(capacity: n); surfaces.initialize(repeating: .grass, count: n)
    }

    deinit {
        heights.deallocate(); tops.deallocate(); sides.deallocate(); surfaces.deallocate()
    }

    /// The scene of `world` around a point: every primitive of the window
    /// painted in order. Cells remember which primitive covers them last and
    /// are textured once at the end (overdraw costs no texturing).
    public convenience init(world: SynthWorld, east: Double, north: Double, radius: Double, cellSize: Double = 0.4) {
        self.init(centerEast: east, centerNorth: north, radius: radius, cellSize: cellSize, textureSeed: world.seed)
        let r = Double(half) * cellSize + 1
        let primitives = world.primitives(minEast: east - r, minNorth: north - r, maxEast: east + r, maxNorth: north + r)
        let n = size * size
        var owner = [Int32](repeating: -1, count: n)
        var us = [Float](repeating: 0, count: n), vs = [Float](repeating: 0, count: n)
        owner.withUnsafeMutableBufferPointer { owner in
            us.withUnsafeMutableBufferPointer { us in
                vs.withUnsafeMutableBufferPointer { vs in
                    for (k, p) in primitives.enumerated() {
                        cover(p) { i, height, u, v in
                            heights[i] = height
                            surfaces[i] = p.surface
                            owner[i] = Int32(k)
                            us[i] = Float(u); vs[i] = Float(v)
                        }
                    }
                    let size = self.size
                    Parallel.forEachChunk(size, grain: 32) { rows in
                        for row in rows {
                            let north = centerNorth - Double(row - half) * cellSize
                            for c in 0..<size where owner[row * size + c] >= 0 {
                                let i = row * size + c
                                let p = primitives[Int(owner[i])]
                                let east = centerEast + Double(c - half) * cellSize
                                tops[i] = texture(p, east: east, north: north, u: Double(us[i]), v: Double(vs[i]))
                                sides[i] = p.surface == .canopy ? tops[i] * 0.85 : p.side
                            }
                        }
                    }
                }
            }
        }
        for i in 0..<n { maxHeight = max(maxHeight, heights[i]) }
    }

    /// The cell holding a world point, or nil outside the scene.
    @inline(__always)
    func cellIndex(east: Double, north: Double) -> Int? {
        let c = (east - centerEast) / cellSize + Double(half) + 0.5
        let r = Double(half) + 0.5 - (north - centerNorth) / cellSize
        guard r >= 0, c >= 0 else { return nil }
        let ri = Int(r), ci = Int(c)
        guard ri < size, ci < size else { return nil }
        return ri * size + ci
    }

    /// Paints a primitive (textured at once) over the cells whose centres it covers.
    public func paint(_ p: SynthPrimitive) {
        cover(p) { i, height, u, v in
            let row = i / size, c = i % size
            let east = centerEast + Double(c - half) * cellSize, north = centerNorth - Double(row - half) * cellSize
            store(i, p, height: height, top: texture(p, east: east, north: north, u: u, v: v))
        }
    }

    /// Calls `body(cell, height, u, v)` for every cell whose centre the
    /// primitive covers; (u, v) locate the cell in a rectangle (fractions),
    /// or u is the squared relative radius in a disc.
    @inline(__always)
    private func cover(_ p: SynthPrimitive, _ body: (Int, Float, Double, Double) -> Void) {
        let (minE, minN, maxE, maxN) = p.bounds
        let c0 = max(0, Int(((minE - centerEast) / cellSize).rounded(.up)) + half)
        let c1 = min(size - 1, Int(((maxE - centerEast) / cellSize).rounded(.down)) + half)
        let r0 = max(0, half - Int(((maxN - centerNorth) / cellSize).rounded(.down)))
        let r1 = min(size - 1, half - Int(((minN - centerNorth) / cellSize).rounded(.up)))
        guard c0 <= c1, r0 <= r1 else { return }
        let width = maxE - minE, depth = maxN - minN
        for r in r0...r1 {
            let north = centerNorth - Double(r - half) * cellSize
            for c in c0...c1 {
                let east = centerEast + Double(c - half) * cellSize
                if case .disc(let ce, let cn, let radius) = p.shape {
                    let d2 = ((east - ce) * (east - ce) + (north - cn) * (north - cn)) / (radius * radius)
                    if d2 > 1 { continue }
                    let height = p.surface == .canopy ? p.detail + (p.height - p.detail) * Float((1 - d2).squareRoot()) : p.height
                    body(r * size + c, height, d2, 0)
                } else {
                    let u = (east - minE) / width, v = (north - minN) / depth
                    var height = p.height
                    if p.surface == .gabledRoof {
                        let across = p.detail == 0 ? v : u
                        height = p.height * (0.65 + 0.35 * Float(1 - abs(2 * across - 1)))
                    }
                    body(r * size + c, height, u, v)
                }
            }
        }
    }

    @inline(__always)
    private func store(_ i: Int, _ p: SynthPrimitive, height: Float, top: RGB) {
        heights[i] = height
        tops[i] = top
        sides[i] = p.surface == .canopy ? top * 0.85 : p.side
        surfaces[i] = p.surface
        maxHeight = max(maxHeight, height)
    }

    /// The colour of a primitive's top at a world point; (u, v) are the
    /// point's position in the primitive (fractions of a rectangle, or the
    /// squared relative radius of a disc).
    private func texture(_ p: SynthPrimitive, east: Double, north: Double, u: Double, v: Double) -> RGB {
        let fe = Float(east), fn = Float(north)
        let grain = SynthNoise.unit(SynthNoise.cell(textureSeed, Int((east * 2.5).rounded(.down)), Int((north * 2.5).rounded(.down)), 5))
        let c = p.top
        switch p.surface {
        case .ground:
            return c * (0.82 + 0.3 * SynthNoise.value(textureSeed, fe / 5, fn / 5) + 0.08 * grain)
        case .grass:
            return c * (0.7 + 0.45 * SynthNoise.fractal(textureSeed &+ 1, fe / 8, fn / 8) + 0.12 * grain)
        case .road:
            return c * (0.9 + 0.15 * SynthNoise.value(textureSeed &+ 2, fe / 3, fn / 3) + 0.08 * grain)
        case .sidewalk:
            return c * (0.93 + 0.1 * grain)
        case .marking, .person:
            return c
        case .water:
            return c * (0.88 + 0.2 * SynthNoise.value(textureSeed &+ 3, fe / 6, fn / 2))
        case .field:
            let along = p.detail > 0 ? u * (p.bounds.2 - p.bounds.0) : v * (p.bounds.3 - p.bounds.1)
            let stripe = Int((along / Double(abs(p.detail))).rounded(.down)) % 2 == 0
            return (stripe ? c : p.side) * (0.88 + 0.18 * SynthNoise.value(textureSeed &+ 4, fe / 9, fn / 9) + 0.06 * grain)
        case .parking:
            let le = u * (p.bounds.2 - p.bounds.0), ln = (v * (p.bounds.3 - p.bounds.1)).truncatingRemainder(dividingBy: 16)
            let stallRow = ln < 5 || ln >= 11
            if stallRow && le.truncatingRemainder(dividingBy: 2.6) < 0.35 { return RGB(hex: 0xD6D6CE) }
            return c * (0.92 + 0.12 * grain)
        case .flatRoof:
            let edge = min(min(u, 1 - u) * (p.bounds.2 - p.bounds.0), min(v, 1 - v) * (p.bounds.3 - p.bounds.1))
            return edge < 0.7 ? c * 0.72 : c * (0.92 + 0.1 * SynthNoise.value(textureSeed &+ 6, fe / 3, fn / 3) + 0.05 * grain)
        case .gabledRoof:
            let across = p.detail == 0 ? v : u
            // The two slopes catch the light differently.
            return c * (across < 0.5 ? 1.1 : 0.8) * (0.95 + 0.08 * grain)
        case .canopy:
            return c * (0.62 + 0.6 * SynthNoise.fractal(textureSeed &+ 7, fe / 1.3, fn / 1.3)) * Float(1 - 0.3 * u)
        case .vehicle:
            let windscreen = abs(u - 0.5) < 0.32 && abs(v - 0.5) < 0.3
            return windscreen ? c * 0.45 : c
        }
    }
}
