import GeoKitCore

/// View-geometry operations on images: mirroring, quarter turns and panorama
/// crops, defined so that an aerial tile and its panorama stay aligned under
/// the bearing convention of `PolarTransform` (column j looks at bearing
/// 180 + 360 j / W degrees).
extension Image {
    /// Left-right mirror (east-west for a north-up aerial tile).
    public func flippedHorizontally() -> Image {
        var out = self
        for y in 0..<height {
            for x in 0..<width {
                let src = (y * width + (width - 1 - x)) * channels, dst = (y * width + x) * channels
                for c in 0..<channels { out.pixels[dst + c] = pixels[src + c] }
            }
        }
        return out
    }

    /// The panorama of the east-west mirrored world: bearing b becomes -b,
    /// so output column j shows input column (W - j) mod W (north stays in
    /// the middle, south at column 0).
    public func panoramaMirrored() -> Image {
        flippedHorizontally().rolled(columns: -1)
    }

    /// A square image turned clockwise by `quarterTurns` x 90 degrees. For an
    /// aerial tile, the matching panorama is `rolled(columns: -quarterTurns * W / 4)`.
    public func rotated(quarterTurns: Int) -> Image {
        require(height == width, "GeoKit: rotated(quarterTurns:) needs a square image, got \(height)x\(width)")
        let k = ((quarterTurns % 4) + 4) % 4
        if k == 0 { return self }
        var out = self
        let n = width
        for y in 0..<n {
            for x in 0..<n {
                // Clockwise: the output pixel (y, x) comes from the input pixel
                // that a counter-clockwise turn brings to (y, x).
                let (sy, sx): (Int, Int)
                switch k {
                case 1: (sy, sx) = (n - 1 - x, y)
                case 2: (sy, sx) = (n - 1 - y, n - 1 - x)
                default: (sy, sx) = (x, n - 1 - y)
                }
                let src = (sy * n + sx) * channels, dst = (y * n + x) * channels
                for c in 0..<channels { out.pixels[dst + c] = pixels[src + c] }
            }
        }
        return out
    }

    /// A limited field-of-view crop of a 360-degree panorama: `degrees` wide,
    /// centred on `centreColumn` (wrapping around).
    public func panoramaCrop(degrees: Double, centreColumn: Int) -> Image {
        require(degrees > 0 && degrees <= 360, "GeoKit: panorama crop of \(degrees) degrees; use (0, 360]")
        let cropWidth = max(1, Int((Double(width) * degrees / 360).rounded()))
        return rolled(columns: centreColumn - cropWidth / 2).cropped(rows: 0..<height, columns: 0..<cropWidth)
    }
}
