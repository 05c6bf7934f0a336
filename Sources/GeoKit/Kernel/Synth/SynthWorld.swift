import Foundation
import GeoKitCore
import GeoKitData

/// The procedural region of the synthetic cross-view world: a jittered grid
/// of roads (major roads every fifth line, some minor segments missing) whose
/// blocks are filled according to a slowly varying "urbanity" — downtown
/// towers and parking lots, suburban houses with gardens and parks, rural
/// fields, forests and lakes. Everything is a pure function of `seed` and
/// the coordinates (metres east and north), so any window of the world can be
/// generated independently and identically.
public struct SynthWorld: Sendable {
    public let seed: UInt64
    /// Mean spacing of road lines in metres.
    public let blockSize: Double = 72

    public init(seed: UInt64) { self.seed = seed }

    enum Axis: UInt64 { case east = 1, north = 2 }

    /// Position of road line k: lines of constant east (`.east`) run north-south.
    func line(_ axis: Axis, _ k: Int) -> Double {
        Double(k) * blockSize + (Double(SynthNoise.unit(SynthNoise.cell(seed, k, 0, axis.rawValue))) - 0.5) * 0.35 * blockSize
    }

    func isMajor(_ axis: Axis, _ k: Int) -> Bool { k % 5 == 0 }

    func roadWidth(_ axis: Axis, _ k: Int) -> Double { isMajor(axis, k) ? 14 : 8 }

    /// The index k with line(k) <= x < line(k + 1).
    func lineIndex(_ axis: Axis, containing x: Double) -> Int {
        var k = Int((x / blockSize).rounded(.down))
        while line(axis, k) > x { k -= 1 }
        while line(axis, k + 1) <= x { k += 1 }
        return k
    }

    /// 0 (rural) ... 1 (downtown), varying over a few hundred metres.
    func urbanity(east: Double, north: Double) -> Float {
        SynthNoise.fractal(seed &+ 77, Float(east / 900), Float(north / 900))
    }

    /// Whether the segment of line k (of `axis`) between cross lines m and
    /// m + 1 is a road. Major roads are continuous; minor ones may be missing,
    /// more often in the countryside.
    func segmentPresent(_ axis: Axis, _ k: Int, _ m: Int) -> Bool {
        if isMajor(axis, k) { return true }
        let other: Axis = axis == .east ? .north : .east
        let mid = (line(other, m) + line(other, m + 1)) / 2
        let u = axis == .east ? urbanity(east: line(axis, k), north: mid) : urbanity(east: mid, north: line(axis, k))
        let missing: Float = 0.08 + 0.4 * max(0, 0.45 - u)
        return SynthNoise.unit(SynthNoise.cell(seed, k, m, axis.rawValue &+ 10)) >= missing
    }

    /// Every primitive touching the window, in painting order.
    public func primitives(minEast: Double, minNorth: Double, maxEast: Double, maxNorth: Double) -> [SynthPrimitive] {
        let k0 = lineIndex(.east, containing: minEast), k1 = lineIndex(.east, containing: maxEast)
        let m0 = lineIndex(.north, containing: minNorth), m1 = lineIndex(.north, containing: maxNorth)
        var grounds: [SynthPrimitive] = [], roads: [SynthPrimitive] = [], contents: [SynthPrimitive] = []
        for kx in k0...k1 {
            for ky in m0...m1 {
                let block = SynthBlock(world: self, kx: kx, ky: ky)
                grounds.append(block.ground())
                contents += block.contents()
            }
        }
        var sidewalks: [SynthPrimitive] = [], markings: [SynthPrimitive] = []
        for k in k0...(k1 + 1) {
            for m in m0...m1 where segmentPresent(.east, k, m) {
                addRoad(.east, k, m, sidewalks: &sidewalks, roads: &roads, markings: &markings)
            }
        }
        for m in m0...(m1 + 1) {
            for k in k0...k1 where segmentPresent(.north, m, k) {
                addRoad(.north, m, k, sidewalks: &sidewalks, roads: &roads, markings: &markings)
            }
        }
        return grounds + sidewalks + roads + markings + contents
    }

    /// One road segment: sidewalks, asphalt and lane markings.
    private func addRoad(
        _ axis: Axis, _ k: Int, _ m: Int, sidewalks: inout [SynthPrimitive],
        roads: inout [SynthPrimitive], markings: inout [SynthPrimitive]
    ) {
        let other: Axis = axis == .east ? .north : .east
        let x = line(axis, k), w = roadWidth(axis, k)
        let a = line(other, m), b = line(other, m + 1)
        func rect(_ across0: Double, _ across1: Double, _ along0: Double, _ along1: Double) -> SynthPrimitive.Shape {
            axis == .east
                ? .rectangle(minEast: across0, minNorth: along0, maxEast: across1, maxNorth: along1)
                : .rectangle(minEast: along0, minNorth: across0, maxEast: along1, maxNorth: across1)
        }
        let pad = roadWidth(other, m) / 2
        sidewalks.append(SynthPrimitive(rect(x - w / 2 - 2.5, x + w / 2 + 2.5, a - pad - 2.5, b + pad + 2.5), surface: .sidewalk, top: RGB(hex: 0xA9A59D)))
        let major = isMajor(axis, k)
        roads.append(SynthPrimitive(rect(x - w / 2, x + w / 2, a - pad, b + pad), surface: .road, top: RGB(hex: major ? 0x38383C : 0x4A4A4E)))
        // Markings stop short of the intersections.
        let start = a + roadWidth(other, m) / 2 + 1, end = b - roadWidth(other, m + 1) / 2 - 1
        guard end > start else { return }
        if major {
            markings.append(SynthPrimitive(rect(x - 0.45, x + 0.45, start, end), surface: .marking, top: RGB(hex: 0xD9B52C)))
            for lane in [-w / 4, w / 4] {
                var s = start
                while s + 3 < end {
                    markings.append(SynthPrimitive(rect(x + lane - 0.25, x + lane + 0.25, s, s + 3), surface: .marking, top: RGB(hex: 0xE6E6DF)))
                    s += 9
                }
            }
        } else {
            var s = start
            while s + 3 < end {
                markings.append(SynthPrimitive(rect(x - 0.25, x + 0.25, s, s + 3), surface: .marking, top: RGB(hex: 0xE6E6DF)))
                s += 7
            }
        }
        // Zebra crossings at both ends.
        for (from, dir) in [(start, 1.0), (end, -1.0)] {
            var t = x - w / 2 + 0.5
            while t + 0.5 < x + w / 2 {
                let p0 = from + dir * 0.5, p1 = from + dir * 3
                markings.append(SynthPrimitive(rect(t, t + 0.5, min(p0, p1), max(p0, p1)), surface: .marking, top: RGB(hex: 0xE6E6DF)))
                t += 1.1
            }
        }
    }

    /// A random point on a road inside the area, or nil when the draw missed.
    func randomRoadPoint(in area: SynthArea, generator: inout RandomGenerator) -> (east: Double, north: Double)? {
        let axis: Axis = generator.uniform() < 0.5 ? .east : .north
        let other: Axis = axis == .east ? .north : .east
        let along = axis == .east ? area.minNorth + generator.uniform() * area.size : area.minEast + generator.uniform() * area.size
        let across = axis == .east ? area.minEast + generator.uniform() * area.size : area.minNorth + generator.uniform() * area.size
        let k = lineIndex(axis, containing: across)
        let m = lineIndex(other, containing: along)
        guard segmentPresent(axis, k, m) else { return nil }
        // Keep away from intersections so the road direction is unambiguous at the camera.
        let a = line(other, m) + roadWidth(other, m) / 2 + 4, b = line(other, m + 1) - roadWidth(other, m + 1) / 2 - 4
        guard along > a, along < b else { return nil }
        let offset = (generator.uniform() - 0.5) * roadWidth(axis, k) / 2
        let x = line(axis, k) + offset
        let point = axis == .east ? (east: x, north: along) : (east: along, north: x)
        guard area.contains(east: point.east, north: point.north) else { return nil }
        return point
    }
}

/// A square part of the world where locations are drawn.
public struct SynthArea: Sendable {
    public var minEast: Double, minNorth: Double, size: Double

    public init(minEast: Double, minNorth: Double, size: Double) {
        self.minEast = minEast
        self.minNorth = minNorth
        self.size = size
    }

    func contains(east: Double, north: Double) -> Bool {
        east >= minEast && east < minEast + size && north >= minNorth && north < minNorth + size
    }
}
