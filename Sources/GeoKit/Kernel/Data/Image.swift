import GeoKitCore

/// An 8-bit image as the codecs produce it: `height` rows of `width` pixels
/// of `channels` interleaved bytes (HWC, row-major). Gray has 1 channel, RGB 3,
/// RGBA 4. It is the currency of decoding, augmentation and the synthetic
/// world; models see it only after `tensor()` turns it into floats.
public struct Image: Equatable, Sendable {
    public let height: Int
    public let width: Int
    public let channels: Int
    public var pixels: [UInt8]

    /// An image filled with `value` in every channel.
    public init(height: Int, width: Int, channels: Int, value: UInt8 = 0) {
        require(
            height >= 0 && width >= 0 && [1, 3, 4].contains(channels),
            "GeoKit: Image needs non-negative sizes and 1, 3 or 4 channels, got \(height)x\(width)x\(channels)")
        self.height = height
        self.width = width
        self.channels = channels
        pixels = [UInt8](repeating: value, count: height * width * channels)
    }

    /// An image holding `pixels` (HWC).
    public init(height: Int, width: Int, channels: Int, pixels: [UInt8]) {
        require(
            [1, 3, 4].contains(channels) && pixels.count == height * width * channels,
            "GeoKit: Image of \(height)x\(width)x\(channels) cannot hold \(pixels.count) bytes")
        self.height = height
        self.width = width
        self.channels = channels
        self.pixels = pixels
    }

    /// The byte of channel `c` at row `y`, column `x`.
    public subscript(y: Int, x: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// The same picture with `target` channels: gray is replicated to RGB,
    /// RGB is averaged (Rec. 601 luma) to gray, alpha is dropped or set opaque.
    public func converted(toChannels target: Int) -> Image {
        if target == channels { return self }
        var out = Image(height: height, width: width, channels: target)
        let n = height * width
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for p in 0..<n {
                    let s = p * channels, d = p * target
                    let r = Int(src[s]), g = Int(src[s + min(1, channels - 1)]), b = Int(src[s + min(2, channels - 1)])
                    if target == 1 {
                        dst[d] = UInt8((299 * r + 587 * g + 114 * b + 500) / 1000)
                    } else {
                        dst[d] = UInt8(r); dst[d + 1] = UInt8(g); dst[d + 2] = UInt8(b)
                        if target == 4 { dst[d + 3] = channels == 4 ? src[s + 3] : 255 }
                    }
                }
            }
        }
        return out
    }

    /// Rows `rows` and columns `columns` of this image.
    public func cropped(rows: Range<Int>, columns: Range<Int>) -> Image {
        require(
            rows.lowerBound >= 0 && rows.upperBound <= height && columns.lowerBound >= 0 && columns.upperBound <= width,
            "GeoKit: crop rows \(rows) columns \(columns) is outside a \(height)x\(width) image")
        var out = Image(height: rows.count, width: columns.count, channels: channels)
        let rowBytes = columns.count * channels
        for (k, y) in rows.enumerated() {
            let src = (y * width + columns.lowerBound) * channels
            out.pixels.replaceSubrange(k * rowBytes..<(k + 1) * rowBytes, with: pixels[src..<src + rowBytes])
        }
        return out
    }

    /// The panorama turned by `shift` columns: output column j shows input
    /// column (j + shift) mod width (a change of heading).
    public func rolled(columns shift: Int) -> Image {
        var out = self
        let s = ((shift % width) + width) % width
        for y in 0..<height {
            for x in 0..<width {
                let src = (y * width + (x + s) % width) * channels, dst = (y * width + x) * channels
                for c in 0..<channels { out.pixels[dst + c] = pixels[src + c] }
            }
        }
        return out
    }

    /// Copies `other` (same channel count) into this image with its top-left
    /// corner at (row, column), clipping what falls outside.
    public mutating func paste(_ other: Image, row: Int, column: Int) {
        require(other.channels == channels, "GeoKit: paste of a \(other.channels)-channel image into a \(channels)-channel one")
        for y in max(0, -row)..<min(other.height, height - row) {
            for x in max(0, -column)..<min(other.width, width - column) {
                for c in 0..<channels { self[row + y, column + x, c] = other[y, x, c] }
            }
        }
    }
}
