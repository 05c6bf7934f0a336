import Foundation
import GeoKitCore
import GeoKitData

/// Queries beside what a model retrieved for them: one row per query, the
/// query image then its top references with rank and descriptor distance,
/// the true reference framed in green, and the ground distance in metres
/// between the query's location and each reference's where GPS is known.
public struct RetrievalPicture {
    public struct Hit {
        public let image: Image
        public let rank: Int
        /// Euclidean distance of the L2-normalised descriptors, sqrt(2 - 2 cos).
        public let distance: Double
        public let isTrue: Bool
        /// Ground distance from the query's location, if both have GPS.
        public let metres: Double?

        public init(image: Image, rank: Int, distance: Double, isTrue: Bool, metres: Double?) {
            (self.image, self.rank, self.distance, self.isTrue, self.metres) = (image, rank, distance, isTrue, metres)
        }
    }

    public struct Row {
        public let query: Image
        public let caption: String
        public let hits: [Hit]
        /// The true reference's rank when it is not among `hits` (nil: among them, or unknown).
        public let trueRank: Int?

        public init(query: Image, caption: String, hits: [Hit], trueRank: Int? = nil) {
            (self.query, self.caption, self.hits, self.trueRank) = (query, caption, hits, trueRank)
        }
    }

    public var rows: [Row]
    public init(rows: [Row]) { self.rows = rows }

    /// Tile height in pixels; a tile's width follows its image's aspect (at most 3:1).
    public static let tileHeight = 112.0
    public static let gap = 12.0
    static let band = 16.0

    static func tileWidth(_ image: Image) -> Double {
        (tileHeight * Swift.min(3, Double(image.width) / Double(Swift.max(1, image.height)))).rounded()
    }

    public func png() -> Image {
        let gap = Self.gap, band = Self.band, tile = Self.tileHeight
        let rowHeight = band + tile + band + gap
        let width = rows.map { row in gap + ([row.query] + row.hits.map(\.image)).map { Self.tileWidth($0) + gap }.reduce(0, +) }.max() ?? gap
        let canvas = Canvas(.raster, width: Int(width), height: Int(gap + Double(rows.count) * rowHeight))
        let green: Canvas.Colour = (20, 160, 60), grey: Canvas.Colour = (170, 170, 170), blue: Canvas.Colour = (31, 119, 180)
        for (r, row) in rows.enumerated() {
            let y = gap + Double(r) * rowHeight
            var x = gap
            let queryWidth = Self.tileWidth(row.query)
            canvas.text(row.caption, x: x, y: y + 12, size: 10, bold: true)
            canvas.image(row.query, x: x, y: y + band, width: queryWidth, height: tile)
            canvas.frame(x: x - 2, y: y + band - 2, width: queryWidth + 4, height: tile + 4, colour: blue, lineWidth: 2)
            if let trueRank = row.trueRank {
                canvas.text("true reference at rank \(trueRank)", x: x, y: y + band + tile + 13, size: 10, colour: (200, 30, 20))
            }
            x += queryWidth + gap
            for hit in row.hits {
                let w = Self.tileWidth(hit.image)
                canvas.text(String(format: "#%d  d %.3f", hit.rank, hit.distance), x: x, y: y + 12, size: 10)
                canvas.image(hit.image, x: x, y: y + band, width: w, height: tile)
                if hit.isTrue {
                    canvas.frame(x: x - 3, y: y + band - 3, width: w + 6, height: tile + 6, colour: green, lineWidth: 4)
                } else {
                    canvas.frame(x: x - 1, y: y + band - 1, width: w + 2, height: tile + 2, colour: grey)
                }
                let below = [hit.isTrue ? "true" : nil, hit.metres.map { Self.metresText($0) }].compactMap { $0 }.joined(separator: "  ")
                canvas.text(below, x: x, y: y + band + tile + 13, size: 10, colour: hit.isTrue ? green : (60, 60, 60), bold: hit.isTrue)
                x += w + gap
            }
        }
        return canvas.rendered()
    }

    static func metresText(_ m: Double) -> String { m >= 1000 ? String(format: "%.2f km", m / 1000) : String(format: "%.0f m", m) }
}
