import Foundation
import GeoKitCore
import GeoKitData

extension SynthScene {
    /// Adds objects that are in the ground capture but not the aerial one:
    /// `density` random spots per 100 square metres of the disc of `radius`
    /// metres around the camera; a spot on a road gets a car, a spot on a
    /// sidewalk or paving a pedestrian. Call after rendering the aerial tile.
    public func addTransients(density: Double, radius: Double = 45, generator g: inout RandomGenerator) {
        let attempts = Int(density * Double.pi * radius * radius / 100)
        let colours: [UInt32] = [0xE8E8E8, 0x1A1A1A, 0x9A9EA4, 0xB02020, 0x1E3A8A, 0x2F6F3F, 0xE0C040, 0xF08030]
        for _ in 0..<attempts {
            let angle = g.uniform() * 2 * Double.pi, distance = 4 + g.uniform() * (radius - 4)
            let east = centerEast + distance * sin(angle), north = centerNorth + distance * cos(angle)
            let colour = RGB(hex: colours[Int(g.next() % UInt64(colours.count))]) * Float(0.8 + 0.3 * g.uniform())
            guard let i = cellIndex(east: east, north: north) else { continue }
            switch surfaces[i] {
            case .road:
                // Align the car with the road: along the axis on which the road extends further.
                let alongNorth = roadRun(east: east, north: north, de: 0, dn: 1) > roadRun(east: east, north: north, de: 1, dn: 0)
                let (halfE, halfN) = alongNorth ? (0.9, 2.2) : (2.2, 0.9)
                paint(
                    SynthPrimitive(
                        .rectangle(minEast: east - halfE, minNorth: north - halfN, maxEast: east + halfE, maxNorth: north + halfN),
                        surface: .vehicle, height: Float(1.4 + 0.4 * g.uniform()), top: colour))
            case .sidewalk, .ground:
                paint(
                    SynthPrimitive(
                        .disc(east: east, north: north, radius: 0.35), surface: .person,
                        height: Float(1.6 + 0.25 * g.uniform()), top: colour))
            default:
                continue
            }
        }
    }

    /// How many metres of road extend from a point in direction (de, dn), both ways, up to 10 m.
    private func roadRun(east: Double, north: Double, de: Double, dn: Double) -> Int {
        var run = 0
        for sign in [-1.0, 1.0] {
            var d = 1.0
            while d <= 10, let i = cellIndex(east: east + sign * d * de, north: north + sign * d * dn), surfaces[i] == .road {
                run += 1
                d += 1
            }
        }
        return run
    }
}
