import GeoKit

/// Pixel counts the picture tests use: what a person would see, as numbers.
enum ImageChecks {
    /// Pixels in the rectangle darker than `threshold` in every channel (text, lines).
    static func darkPixels(_ image: Image, x: Range<Int>, y: Range<Int>, threshold: UInt8 = 128) -> Int {
        var count = 0
        for row in y.clamped(to: 0..<image.height) {
            for column in x.clamped(to: 0..<image.width) where (0..<3).allSatisfy({ image[row, column, $0] < threshold }) { count += 1 }
        }
        return count
    }

    /// Pixels within `tolerance` of `colour` in the whole image.
    static func pixels(_ image: Image, near colour: (UInt8, UInt8, UInt8), tolerance: Int = 12) -> Int {
        var count = 0
        for i in stride(from: 0, to: image.pixels.count, by: image.channels) {
            let d = [colour.0, colour.1, colour.2].enumerated().map { abs(Int(image.pixels[i + $0.offset]) - Int($0.element)) }.max()!
            if d <= tolerance { count += 1 }
        }
        return count
    }

    /// The runs of non-white pixels along row `y`, separated by at least `gap` white ones.
    static func runs(_ image: Image, row y: Int, gap: Int = 4) -> Int {
        var runs = 0, white = gap
        for x in 0..<image.width {
            let isWhite = (0..<3).allSatisfy { image[y, x, $0] >= 250 }
            if isWhite {
                white += 1
            } else {
                if white >= gap { runs += 1 }
                white = 0
            }
        }
        return runs
    }

    /// The image through GeoKit's PNG writer and reader, as a file would hold it.
    static func throughPNG(_ image: Image) throws -> Image { try PNG.decode(PNG.encode(image)) }
}
