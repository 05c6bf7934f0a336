import Foundation
import GeoKitCore

/// Location coordinates for the GPS sampler, read from a `gps.csv` as
/// `geokit synth` writes it (header `split,id,aerial,ground,latitude,longitude,...`).
public struct GPSTable: Sendable {
    public struct Entry: Sendable, Equatable {
        public let split: String
        public let id: String
        public let latitude: Double
        public let longitude: Double
    }

    public let entries: [Entry]

    public init(contentsOf url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw GeoKitError("cannot read the GPS table", where: url.path, remedy: "check the dataset root has gps.csv")
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: ",").map(String.init),
            let s = header.firstIndex(of: "split"), let i = header.firstIndex(of: "id"),
            let la = header.firstIndex(of: "latitude"), let lo = header.firstIndex(of: "longitude")
        else {
            throw GeoKitError(
                "the GPS table lacks a split,id,latitude,longitude header", where: url.path,
                remedy: "regenerate it with geokit synth")
        }
        lines.removeFirst()
        entries = try lines.enumerated().map { n, line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count > max(s, i, la, lo), let lat = Double(f[la]), let lon = Double(f[lo]) else {
                throw GeoKitError("malformed row \(n + 2)", where: url.path, remedy: "regenerate the table with geokit synth")
            }
            return Entry(split: f[s], id: f[i], latitude: lat, longitude: lon)
        }
    }

    /// For each entry of `split` (in table order), the indices (into that
    /// split's entries) of the `range` nearest other entries, nearest first.
    public func neighbours(split: String, range: Int = 128) -> [[Int]] {
        let points = entries.filter { $0.split == split }
        let scale = cos((points.first?.latitude ?? 0) * Double.pi / 180)
        return points.indices.map { a in
            let distances = points.indices.map { b -> (Double, Int) in
                let dy = points[a].latitude - points[b].latitude, dx = (points[a].longitude - points[b].longitude) * scale
                return (dx * dx + dy * dy, b)
            }
            return distances.filter { $0.1 != a }.sorted { $0 < $1 }.prefix(range).map { $0.1 }
        }
    }
}
