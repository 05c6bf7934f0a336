import Foundation
import GeoKitCore
import GeoKitData

extension SynthScene {
    /// A perspective view from a drone on a circular orbit around the scene
    /// centre (University-1652 style): `orbitRadius` metres out at bearing
    /// `orbitBearing` (radians clockwise from north), `altitude` metres up,
    /// looking at the centre, square image with the given field of view.
    public func renderDrone(
        pixels: Int, orbitBearing: Double, orbitRadius: Double = 45, altitude: Double = 55,
        fieldOfView: Double = 1.1, conditions: CaptureConditions
    ) -> Image {
        let eye = SIMD3(centerEast + orbitRadius * sin(orbitBearing), centerNorth + orbitRadius * cos(orbitBearing), altitude)
        let target = SIMD3(centerEast, centerNorth, 0.0)
        let forward = normalize(target - eye)
        let right = normalize(SIMD3(forward.y, -forward.x, 0))
        let up = cross(right, forward)
        let focal = 1 / tan(fieldOfView / 2)
        let ceiling = Double(maxHeight) + 0.5
        let extent = Double(half - 1) * cellSize
        let sun = conditions.sunDirection
        var colours = [RGB](repeating: .zero, count: pixels * pixels)
        colours.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEachChunk(pixels, grain: 8) { rows in
                for r in rows {
                    for c in 0..<pixels {
                        let x = (2 * (Double(c) + 0.5) / Double(pixels) - 1), y = 1 - 2 * (Double(r) + 0.5) / Double(pixels)
                        let ray = normalize(forward * focal + right * x + up * y)
                        base[r * pixels + c] = trace(from: eye, along: ray, ceiling: ceiling, extent: extent, sun: sun, conditions: conditions)
                    }
                }
            }
        }
        return Image.rgb(height: pixels, width: pixels, colours)
    }

    /// Marches a downward ray through the height field; what it hits first is its colour.
    private func trace(
        from eye: SIMD3<Double>, along ray: SIMD3<Double>, ceiling: Double, extent: Double,
        sun: SIMD3<Double>, conditions: CaptureConditions
    ) -> RGB {
        guard ray.z < -1e-3 else {
            let horizontal = max((ray.x * ray.x + ray.y * ray.y).squareRoot(), 1e-9)
            return sky(bearing: (ray.x / horizontal, ray.y / horizontal), elevation: (asin(ray.z), ray.z, horizontal), sun: sun, conditions: conditions)
        }
        var t = max(0, (eye.z - ceiling) / -ray.z)
        let horizontal = (ray.x * ray.x + ray.y * ray.y).squareRoot()
        let fine = cellSize * 0.8 / max(horizontal, 0.3)
        // Coarse steps until the ray is below the surface, then fine steps from one coarse step back.
        var step = fine * 3
        while true {
            let p = eye + ray * t
            if abs(p.x - centerEast) > extent || abs(p.y - centerNorth) > extent { return conditions.haze * conditions.brightness }
            guard let i = cellIndex(east: p.x, north: p.y) else { return conditions.haze * conditions.brightness }
            let h = Double(heights[i])
            if p.z <= h {
                if step > fine {
                    t = max(0, t - step)
                    step = fine
                    continue
                }
                let surface = surfaces[i]
                let colour =
                    p.z < h - 0.4
                    ? conditions.apply(facade(i, surface: surface, east: p.x, north: p.y, z: p.z, roof: h), surface: surface) * 0.8
                    : conditions.apply(tops[i], surface: surface)
                return colour.mixed(conditions.haze * conditions.brightness, Float(1 - exp(-t / 260)))
            }
            t += step
        }
    }
}

@inline(__always) private func normalize(_ v: SIMD3<Double>) -> SIMD3<Double> { v / (v * v).sum().squareRoot() }

@inline(__always) private func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}
