import Foundation
import GeoKitCore

/// Where each location of a dataset is, for the GPS sampler and for errors in metres: read from a `gps.csv`
/// (as `geokit synth` and `geokit gps` write it: a header naming `split,id` and either `latitude,longitude`
/// or `east_m,north_m`), or built by a dataset reader from the dataset's own location data (CVUSA's
/// `split_locations/all.csv`, CVACT's UTM table, VIGOR's file names).
public struct GPSTable: Sendable {
    /// A position on the Earth (degrees, WGS 84) or on a map projection (metres, e.g. UTM).
    public enum Position: Sendable, Equatable {
        case geographic(latitude: Double, longitude: Double)
        case planar(east: Double, north: Double)

        /// Metres between two positions of the same kind: great-circle (haversine) or Euclidean.
        public func metres(to other: Position) -> Double {
            switch (self, other) {
            case (.geographic(let la1, let lo1), .geographic(let la2, let lo2)):
                return GPSTable.haversineMetres(la1, lo1, la2, lo2)
            case (.planar(let e1, let n1), .planar(let e2, let n2)):
                return ((e1 - e2) * (e1 - e2) + (n1 - n2) * (n1 - n2)).squareRoot()
            default:
                return .infinity
            }
        }

        /// A point whose squared Euclidean distances order like `metres(to:)` (the unit vector of a geographic
        /// position, whose chord grows with the great-circle distance).
        var orderingPoint: SIMD3<Double> {
            switch self {
            case .geographic(let latitude, let longitude):
                let (phi, lambda) = (latitude * .pi / 180, longitude * .pi / 180)
                return SIMD3(cos(phi) * cos(lambda), cos(phi) * sin(lambda), sin(phi))
            case .planar(let east, let north): return SIMD3(east, north, 0)
            }
        }
    }

    public struct Entry: Sendable, Equatable {
        public let split: String
        public let id: String
        public let position: Position

        public init(split: String, id: String, position: Position) {
            self.split = split
            self.id = id
            self.position = position
        }
    }

    public let entries: [Entry]

    /// The mean Earth radius (IUGG), metres.
    public static let earthRadius = 6_371_008.8

    public init(entries: [Entry]) { self.entries = entries }

    public init(contentsOf url: URL) throws {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw GeoKitError("cannot read the GPS table", where: url.path, remedy: "check the dataset root has gps.csv")
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines.first?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        let geographic = header.firstIndex(of: "latitude").flatMap { la in header.firstIndex(of: "longitude").map { (la, $0) } }
        let planar = header.firstIndex(of: "east_m").flatMap { e in header.firstIndex(of: "north_m").map { (e, $0) } }
        guard let s = header.firstIndex(of: "split"), let i = header.firstIndex(of: "id"), let (a, b) = geographic ?? planar else {
            throw GeoKitError(
                "the GPS table lacks a split,id,latitude,longitude (or split,id,east_m,north_m) header", where: url.path,
                remedy: "regenerate it with geokit synth or geokit gps")
        }
        lines.removeFirst()
        entries = try lines.enumerated().map { n, line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count > max(s, i, a, b), let x = Double(f[a]), let y = Double(f[b]), x.isFinite, y.isFinite else {
                throw GeoKitError("malformed row \(n + 2)", where: url.path, remedy: "regenerate the table with geokit synth or geokit gps")
            }
            if geographic != nil, !(-90...90).contains(x) || !(-180...360).contains(y) {
                throw GeoKitError(
                    "row \(n + 2) has latitude \(x), longitude \(y), outside the globe", where: url.path,
                    remedy: "latitude and longitude are degrees")
            }
            return Entry(split: f[s], id: f[i], position: geographic != nil ? .geographic(latitude: x, longitude: y) : .planar(east: x, north: y))
        }
    }

    /// The table as `gps.csv`: `split,id,latitude,longitude` or `split,id,east_m,north_m`.
    public var csv: String {
        let planar = entries.contains { if case .planar = $0.position { true } else { false } }
        var text = planar ? "split,id,east_m,north_m\n" : "split,id,latitude,longitude\n"
        for entry in entries {
            switch entry.position {
            case .geographic(let latitude, let longitude): text += String(format: "%@,%@,%.8f,%.8f\n", entry.split, entry.id, latitude, longitude)
            case .planar(let east, let north): text += String(format: "%@,%@,%.3f,%.3f\n", entry.split, entry.id, east, north)
            }
        }
        return text
    }

    /// (latitude, longitude) by id, of the entries with a geographic position (the first of a repeated id).
    public var geographicPositions: [String: (latitude: Double, longitude: Double)] {
        var result: [String: (latitude: Double, longitude: Double)] = [:]
        for entry in entries where result[entry.id] == nil {
            if case .geographic(let latitude, let longitude) = entry.position { result[entry.id] = (latitude, longitude) }
        }
        return result
    }

    /// The geographic positions of `root`/gps.csv; empty when the dataset has none, it cannot be read, or it holds
    /// planar positions (for pictures and search output, where GPS is optional).
    public static func geographicPositions(in root: URL) -> [String: (latitude: Double, longitude: Double)] {
        (try? GPSTable(contentsOf: root.appendingPathComponent("gps.csv")))?.geographicPositions ?? [:]
    }

    /// For each entry of `split` (in table order), the indices (into that split's entries) of the `range`
    /// nearest other entries, nearest first (ties by index), by great-circle or Euclidean distance.
    public func neighbours(split: String, range: Int = 128) -> [[Int]] {
        let points = entries.filter { $0.split == split }.map(\.position.orderingPoint)
        let keep = min(range, max(points.count - 1, 0))
        var result = [[Int]](repeating: [], count: points.count)
        result.withUnsafeMutableBufferPointer { out in
            let out = out
            DispatchQueue.concurrentPerform(iterations: points.count) { a in
                out[a] = Self.nearest(to: a, among: points, keep: keep)
            }
        }
        return result
    }

    /// The `keep` points nearest to `points[a]` (excluding it), by a bounded insertion into a sorted list.
    private static func nearest(to a: Int, among points: [SIMD3<Double>], keep: Int) -> [Int] {
        guard keep > 0 else { return [] }
        var best: [(Double, Int)] = []
        best.reserveCapacity(keep + 1)
        let p = points[a]
        for b in points.indices where b != a {
            let d = points[b] - p
            let distance = (d * d).sum()
            if best.count == keep, distance >= best[keep - 1].0 { continue }
            var i = best.count
            while i > 0, best[i - 1].0 > distance { i -= 1 }
            best.insert((distance, b), at: i)
            if best.count > keep { best.removeLast() }
        }
        return best.map(\.1)
    }

    /// Great-circle metres between two latitude/longitude points (degrees).
    public static func haversineMetres(_ la1: Double, _ lo1: Double, _ la2: Double, _ lo2: Double) -> Double {
        let (p1, p2) = (la1 * .pi / 180, la2 * .pi / 180)
        let (dp, dl) = (p2 - p1, (lo2 - lo1) * .pi / 180)
        let h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2)
        return 2 * earthRadius * asin(min(1, h.squareRoot()))
    }
}
