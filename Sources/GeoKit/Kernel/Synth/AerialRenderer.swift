import Foundation
import GeoKitCore
import GeoKitData

extension SynthScene {
    /// A north-up orthographic aerial tile centred on the scene centre:
    /// `extent` metres square, rendered at the cell size with cast shadows
    /// for the capture's sun, then resampled to `pixels` x `pixels`.
    /// Tile pixel (S/2, S/2) is the scene centre (the polar transform's centre).
    public func renderAerial(pixels: Int, extent: Double = 102.4, conditions: CaptureConditions) -> Image {
        let n = Int((extent / cellSize).rounded())
        require(n <= size, "GeoKit: aerial extent \(extent) m exceeds the scene (\(Double(size) * cellSize) m)")
        let offset = half - n / 2
        let sun = conditions.sunDirection
        let rise = Float(tan(conditions.sunElevation) * cellSize)
        let stepRow = -sun.y / (sun.x * sun.x + sun.y * sun.y).squareRoot(), stepCol = sun.x / (sun.x * sun.x + sun.y * sun.y).squareRoot()
        var colours = [RGB](repeating: .zero, count: n * n)
        let grainSeed = textureSeed &+ 0xAE
        colours.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            Parallel.forEachChunk(n, grain: 16) { rows in
                for r in rows {
                    for c in 0..<n {
                        let i = (r + offset) * size + (c + offset)
                        var colour = conditions.apply(tops[i], surface: surfaces[i])
                        if inShadow(row: r + offset, col: c + offset, stepRow: stepRow, stepCol: stepCol, rise: rise) {
                            colour *= RGB(0.5, 0.53, 0.62)
                        }
                        let grain = SynthNoise.unit(SynthNoise.cell(grainSeed, r, c, UInt64(bitPattern: Int64(centerEast.bitPattern))))
                        base[r * n + c] = colour * (0.96 + 0.08 * grain)
                    }
                }
            }
        }
        let tile = Image.rgb(height: n, width: n, colours)
        return pixels == n ? tile : tile.resized(height: pixels, width: pixels)
    }

    /// Whether the cell's top is hidden from the sun by a taller cell.
    @inline(__always)
    private func inShadow(row: Int, col: Int, stepRow: Double, stepCol: Double, rise: Float) -> Bool {
        let h0 = heights[row * size + col]
        let step: Float = 2.5
        var k = step
        while h0 + k * rise < maxHeight {
            let r = Double(row) + 0.5 + Double(k) * stepRow, c = Double(col) + 0.5 + Double(k) * stepCol
            if r < 0 || r >= Double(size) || c < 0 || c >= Double(size) { return false }
            if heights[Int(r) * size + Int(c)] > h0 + k * rise + 0.2 { return true }
            k += step
        }
        return false
    }
}
