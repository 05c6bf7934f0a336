import Foundation
import GeoKitCore
import GeoKitData

/// Everything rendered for one location.
public struct SynthCapture: Sendable {
    public var aerial: Image
    /// The ground image: the full panorama, or a limited field-of-view crop.
    public var ground: Image
    /// Compass bearing (degrees) seen at the ground image's centre column.
    public var heading: Double
    public var drones: [Image]
    /// Limited field-of-view crops of the panorama (university layout's street views).
    public var streets: [Image]
}

extension SynthWorld {
    /// Renders one location: the aerial tile (its own capture conditions),
    /// drone views on an orbit (university layout), then transient objects
    /// and the ground panorama under independent conditions. Depends only on
    /// the world seed, the options and the location's index.
    public func capture(_ location: SynthLocation, options: SynthOptions) -> SynthCapture {
        var g = RandomGenerator(seed: SynthNoise.hash(seed, UInt64(location.index), 0xCA97))
        let university = options.layout == .university
        let scene = SynthScene(world: self, east: location.east, north: location.north, radius: university ? 105 : 72)
        let shift = options.difficulty.appearanceShift
        let aerialConditions = CaptureConditions.random(&g, shift: shift * 0.5)
        let aerial = scene.renderAerial(pixels: options.aerialSize, conditions: aerialConditions)
        var drones: [Image] = []
        if university && options.droneViews > 0 {
            let droneConditions = CaptureConditions.random(&g, shift: shift * 0.5)
            let start = g.uniform() * 2 * Double.pi
            for k in 0..<options.droneViews {
                let bearing = start + 2 * Double.pi * Double(k) / Double(options.droneViews)
                drones.append(
                    scene.renderDrone(
                        pixels: options.droneSize ?? options.aerialSize, orbitBearing: bearing,
                        orbitRadius: 40 + 15 * g.uniform(), altitude: 45 + 25 * g.uniform(),
                        conditions: droneConditions))
            }
        }
        scene.addTransients(density: options.difficulty.transientDensity, generator: &g)
        let groundConditions = CaptureConditions.random(&g, shift: shift)
        let w = options.panoramaWidth
        let panorama = scene.renderPanorama(height: options.panoramaHeight, width: w, conditions: groundConditions)
        // The ground image is centred on column `centre` of the north-centred panorama.
        let centre = options.unknownHeading ? Int(g.next() % UInt64(w)) : w / 2
        let cropWidth = max(1, Int((Double(w) * options.fieldOfView / 360).rounded()))
        let ground =
            cropWidth == w && centre == w / 2
            ? panorama
            : panorama.rolled(columns: centre - cropWidth / 2).cropped(rows: 0..<panorama.height, columns: 0..<cropWidth)
        var streets: [Image] = []
        if university {
            let streetWidth = w / 4
            for _ in 0..<options.streetViews {
                let c = Int(g.next() % UInt64(w))
                streets.append(panorama.rolled(columns: c - streetWidth / 2).cropped(rows: 0..<panorama.height, columns: 0..<streetWidth))
            }
        }
        return SynthCapture(
            aerial: aerial, ground: ground, heading: PolarTransform.bearing(column: Double(centre), width: w),
            drones: drones, streets: streets)
    }
}
