import Foundation
import GeoKitCore

/// VIGOR as published (Zhu et al., CVPR 2021): per city (Chicago, NewYork, SanFrancisco, Seattle)
/// `<City>/panorama/<prefix>,<lat>,<lon>,.jpg` and `<City>/satellite/satellite_<lat>_<lon>.png` (the arrangement
/// `ground/<City>/`, `satellite/<City>/` is read too), `splits/<City>/satellite_list.txt` (that city's satellites),
/// and the label files `same_area_balanced_{train,test}.txt` (same-area: every city in both splits) and
/// `pano_label_balanced.txt` (cross-area: train NewYork + Seattle, test Chicago + SanFrancisco). A label line has
/// 13 fields: the panorama, its positive satellite with that satellite's (dy, dx) pixel offset from the tile's
/// centre, then three semi-positives with theirs. The gallery of a split is every satellite of its cities, the
/// cities' lists concatenated in the order above.
public struct VIGORDataset: Sendable {
    public enum Area: String, Sendable, CaseIterable {
        /// Train and test on panoramas of all four cities (disjoint panoramas, shared satellites).
        case same
        /// Train on NewYork and Seattle, test on Chicago and SanFrancisco.
        case cross
    }

    public static let cities = ["Chicago", "NewYork", "SanFrancisco", "Seattle"]

    /// One satellite tile of a gallery, with its centre.
    public struct Satellite: Sendable, Equatable {
        public let name: String
        public let city: String
        public let url: URL
        public let latitude: Double, longitude: Double

        public init(name: String, city: String, url: URL, latitude: Double, longitude: Double) {
            (self.name, self.city, self.url, self.latitude, self.longitude) = (name, city, url, latitude, longitude)
        }
    }

    /// One panorama with its positive and semi-positive satellites (indices into the split's gallery).
    public struct Query: Sendable, Equatable {
        public let url: URL
        public let latitude: Double, longitude: Double
        public let positive: Int
        public let semiPositives: [Int]
        /// The (dy, dx) pixel offset of the panorama from each of its four tiles' centres, positive first.
        public let offsets: [[Double]]

        public init(url: URL, latitude: Double, longitude: Double, positive: Int, semiPositives: [Int], offsets: [[Double]]) {
            (self.url, self.latitude, self.longitude, self.positive, self.semiPositives, self.offsets) =
                (url, latitude, longitude, positive, semiPositives, offsets)
        }
    }

    /// A split: its gallery and its queries.
    public struct Split: Sendable {
        public let cities: [String]
        public let gallery: [Satellite]
        public let queries: [Query]

        public init(cities: [String], gallery: [Satellite], queries: [Query]) {
            (self.cities, self.gallery, self.queries) = (cities, gallery, queries)
        }

        /// Each query paired with its positive satellite (ground = panorama, aerial = tile), id = the tile's name.
        public var pairs: [CrossViewPair] {
            queries.map { CrossViewPair(id: gallery[$0.positive].name, aerial: gallery[$0.positive].url, ground: $0.url) }
        }

        /// The GPS sampler's table: the panoramas' positions, one entry per query in order, id = the panorama's prefix.
        public func locations(split name: String) -> GPSTable {
            GPSTable(
                entries: queries.map { q in
                    let prefix = String(q.url.lastPathComponent.split(separator: ",", omittingEmptySubsequences: false)[0])
                    return GPSTable.Entry(split: name, id: prefix, position: .geographic(latitude: q.latitude, longitude: q.longitude))
                })
        }
    }

    public let root: URL
    public let area: Area
    public let train: Split
    public let test: Split

    public init(root: URL, area: Area = .same) throws {
        self.root = root
        self.area = area
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("splits").path) else {
            throw GeoKitError(
                "not a VIGOR root (no splits/ folder)", where: root.path,
                remedy: "point at the folder holding Chicago/, NewYork/, SanFrancisco/, Seattle/ and splits/ (or generate one with geokit synth --layout vigor)"
            )
        }
        let trainCities = area == .same ? Self.cities : ["NewYork", "Seattle"]
        let testCities = area == .same ? Self.cities : ["Chicago", "SanFrancisco"]
        train = try Self.split(root: root, cities: trainCities, labels: area == .same ? "same_area_balanced_train.txt" : "pano_label_balanced.txt")
        test = try Self.split(root: root, cities: testCities, labels: area == .same ? "same_area_balanced_test.txt" : "pano_label_balanced.txt")
    }

    /// The folder of a city's panoramas or satellites, in either published arrangement.
    static func folder(root: URL, city: String, kind: String) -> URL {
        let official = root.appendingPathComponent("\(city)/\(kind)")
        if FileManager.default.fileExists(atPath: official.path) { return official }
        return root.appendingPathComponent("\(kind == "panorama" ? "ground" : "satellite")/\(city)")
    }

    private static func split(root: URL, cities: [String], labels: String) throws -> Split {
        var gallery: [Satellite] = []
        var index: [String: Int] = [:]
        for city in cities {
            let list = root.appendingPathComponent("splits/\(city)/satellite_list.txt")
            let folder = folder(root: root, city: city, kind: "satellite")
            for (n, name) in try lines(list).enumerated() {
                guard let (latitude, longitude) = satelliteCentre(name) else {
                    throw GeoKitError(
                        "line \(n + 1) is '\(name)', not satellite_<lat>_<lon>.png", where: list.path, remedy: "use the published satellite list")
                }
                index[name] = gallery.count
                gallery.append(Satellite(name: name, city: city, url: folder.appendingPathComponent(name), latitude: latitude, longitude: longitude))
            }
        }
        var queries: [Query] = []
        for city in cities {
            let file = root.appendingPathComponent("splits/\(city)/\(labels)")
            let panoramas = folder(root: root, city: city, kind: "panorama")
            for (n, line) in try lines(file).enumerated() {
                let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                func fail(_ what: String) -> GeoKitError {
                    GeoKitError("line \(n + 1): \(what)", where: file.path, remedy: "use the published label file (13 fields per line)")
                }
                guard f.count == 13 else { throw fail("\(f.count) fields, expected 13 (panorama, then 4 x satellite dy dx)") }
                guard let (latitude, longitude) = panoramaPosition(f[0]) else { throw fail("'\(f[0])' is not <prefix>,<lat>,<lon>,.jpg") }
                var tiles: [Int] = [], offsets: [[Double]] = []
                for k in 0..<4 {
                    guard let tile = index[f[1 + 3 * k]] else {
                        throw fail("satellite '\(f[1 + 3 * k])' is not in the satellite lists of \(cities.joined(separator: ", "))")
                    }
                    guard let dy = Double(f[2 + 3 * k]), let dx = Double(f[3 + 3 * k]) else {
                        throw fail("offset '\(f[2 + 3 * k]) \(f[3 + 3 * k])' is not two numbers")
                    }
                    tiles.append(tile)
                    offsets.append([dy, dx])
                }
                queries.append(
                    Query(
                        url: panoramas.appendingPathComponent(f[0]), latitude: latitude, longitude: longitude,
                        positive: tiles[0], semiPositives: Array(tiles.dropFirst()), offsets: offsets))
            }
        }
        guard !gallery.isEmpty, !queries.isEmpty else {
            throw GeoKitError(
                "the split of \(cities.joined(separator: ", ")) has \(gallery.count) satellites and \(queries.count) panoramas",
                where: root.appendingPathComponent("splits").path, remedy: "both are needed; check the split files")
        }
        return Split(cities: cities, gallery: gallery, queries: queries)
    }

    private static func lines(_ url: URL) throws -> [String] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw GeoKitError("cannot read the VIGOR split file", where: url.path, remedy: "check the dataset's splits/ folder")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The centre of `satellite_<lat>_<lon>.png`.
    static func satelliteCentre(_ name: String) -> (Double, Double)? {
        let stem = (name as NSString).deletingPathExtension
        let f = stem.split(separator: "_")
        guard f.count == 3, f[0] == "satellite", let la = Double(f[1]), let lo = Double(f[2]), (-90...90).contains(la), (-180...180).contains(lo) else {
            return nil
        }
        return (la, lo)
    }

    /// The position of `<prefix>,<lat>,<lon>,.jpg`.
    static func panoramaPosition(_ name: String) -> (Double, Double)? {
        let f = name.split(separator: ",", omittingEmptySubsequences: false)
        guard f.count >= 3, let la = Double(f[1]), let lo = Double(f[2]), (-90...90).contains(la), (-180...180).contains(lo) else { return nil }
        return (la, lo)
    }
}
