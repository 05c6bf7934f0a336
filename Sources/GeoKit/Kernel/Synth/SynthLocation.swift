import Foundation
import GeoKitCore
import GeoKitData

/// One camera position of the synthetic dataset.
public struct SynthLocation: Sendable, Equatable {
    public enum Split: String, Sendable { case train, test }
    /// Position in the plan (0-based); also the per-location random stream.
    public let index: Int
    public let split: Split
    public let east: Double
    public let north: Double

    /// Latitude and longitude on a local tangent plane around 37 N, 95 W.
    public var latitude: Double { 37 + north / 111_320 }
    public var longitude: Double { -95 + east / (111_320 * cos(37 * Double.pi / 180)) }
}

extension SynthWorld {
    /// Draws locations on roads, at least the difficulty's spacing apart:
    /// train locations in one square area, test locations in another 100 km
    /// away (or, with `sameArea`, both from one area). Sequential and seeded,
    /// so the plan depends on the options only.
    public func planLocations(_ options: SynthOptions) -> [SynthLocation] {
        let testCount = options.testCount
        let trainCount = options.locations - testCount
        let spacing = options.difficulty.spacing
        if options.sameArea {
            let points = sample(options.locations, spacing: spacing, origin: (0, 0), stream: 1)
            // Exactly testCount test locations, spread evenly through the draw order.
            let n = options.locations
            return points.enumerated().map { i, p in
                let isTest = (i + 1) * testCount / n > i * testCount / n
                return SynthLocation(index: i, split: isTest ? .test : .train, east: p.0, north: p.1)
            }
        }
        let train = sample(trainCount, spacing: spacing, origin: (0, 0), stream: 1)
        let test = sample(testCount, spacing: spacing, origin: (100_000, 0), stream: 2)
        return train.enumerated().map { SynthLocation(index: $0.offset, split: .train, east: $0.element.0, north: $0.element.1) }
            + test.enumerated().map { SynthLocation(index: trainCount + $0.offset, split: .test, east: $0.element.0, north: $0.element.1) }
    }

    /// `count` road points with Poisson-disc spacing; the area grows until they fit.
    private func sample(_ count: Int, spacing: Double, origin: (Double, Double), stream: UInt64) -> [(Double, Double)] {
        guard count > 0 else { return [] }
        var size = max(300, (Double(count)).squareRoot() * spacing * 1.6)
        while true {
            var g = RandomGenerator(seed: SynthNoise.hash(seed, stream, UInt64(size.bitPattern)))
            let area = SynthArea(minEast: origin.0, minNorth: origin.1, size: size)
            var points: [(Double, Double)] = []
            var grid: [Int64: [Int]] = [:]
            func key(_ x: Int, _ y: Int) -> Int64 { Int64(x) << 32 ^ Int64(y & 0xFFFF_FFFF) }
            var misses = 0
            while points.count < count && misses < 2000 + 50 * count {
                guard let p = randomRoadPoint(in: area, generator: &g) else { misses += 1; continue }
                let cx = Int((p.east / spacing).rounded(.down)), cy = Int((p.north / spacing).rounded(.down))
                var clear = true
                search: for dx in -1...1 {
                    for dy in -1...1 {
                        for q in grid[key(cx + dx, cy + dy)] ?? [] {
                            let (qe, qn) = points[q]
                            if (qe - p.east) * (qe - p.east) + (qn - p.north) * (qn - p.north) < spacing * spacing { clear = false; break search }
                        }
                    }
                }
                guard clear else { misses += 1; continue }
                grid[key(cx, cy), default: []].append(points.count)
                points.append((p.east, p.north))
            }
            if points.count == count { return points }
            size *= 1.25
        }
    }
}
