import Foundation
import GeoKitCore

/// One aerial/ground pair of a cross-view dataset.
public struct CrossViewPair: Sendable, Equatable {
    public let id: String
    public let aerial: URL
    public let ground: URL
}

/// CVUSA as published: `splits/train-19zl.csv` and `splits/val-19zl.csv`,
/// each row `bingmap/...jpg,streetview/...jpg[,annotation]` relative to the root.
public struct CVUSADataset: Sendable {
    public let root: URL
    public let train: [CrossViewPair]
    public let test: [CrossViewPair]
    /// Rows dropped by `skipMissing` (their files do not exist).
    public let skipped: Int

    /// Reads both split files. A missing image is an error naming its path,
    /// unless `skipMissing` drops such rows (counted in `skipped`).
    public init(root: URL, skipMissing: Bool = false) throws {
        self.root = root
        var skipped = 0
        func read(_ name: String) throws -> [CrossViewPair] {
            let url = root.appendingPathComponent("splits/\(name)")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw GeoKitError(
                    "cannot read the CVUSA split file", where: url.path,
                    remedy: "point at a CVUSA root holding splits/train-19zl.csv and splits/val-19zl.csv")
            }
            var pairs: [CrossViewPair] = []
            for (number, line) in text.split(whereSeparator: \.isNewline).enumerated() {
                let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard fields.count >= 2 else {
                    throw GeoKitError(
                        "line \(number + 1) has \(fields.count) fields, expected aerial,ground[,annotation]",
                        where: url.path, remedy: "fix or regenerate the split file")
                }
                let aerial = root.appendingPathComponent(fields[0]), ground = root.appendingPathComponent(fields[1])
                for file in [aerial, ground] where !FileManager.default.fileExists(atPath: file.path) {
                    if skipMissing { skipped += 1; break }
                    throw GeoKitError(
                        "missing image listed in \(name) line \(number + 1)", where: file.path,
                        remedy: "restore the file, or pass skipMissing to drop such rows")
                }
                guard FileManager.default.fileExists(atPath: aerial.path), FileManager.default.fileExists(atPath: ground.path) else { continue }
                let id = (fields[0] as NSString).lastPathComponent.components(separatedBy: ".").first ?? fields[0]
                pairs.append(CrossViewPair(id: id, aerial: aerial, ground: ground))
            }
            return pairs
        }
        train = try read("train-19zl.csv")
        test = try read("val-19zl.csv")
        self.skipped = skipped
    }
}

extension CVUSADataset {
    /// CVUSA's published location list, `split_locations/all.csv`: row n (1-based) holds
    /// `aerial_lat,aerial_lon,ground_lat,ground_lon,...` of `bingmap/.../<n>.jpg`.
    public static let locationList = "split_locations/all.csv"

    /// The GPS sampler's table from the published location list (ground positions), or nil if the root has none.
    /// A pair whose id is not a row number of the list is an error naming it.
    public func locations() throws -> GPSTable? {
        let url = root.appendingPathComponent(Self.locationList)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw GeoKitError("cannot read CVUSA's location list", where: url.path, remedy: "check the file's permissions")
        }
        let rows = text.split(whereSeparator: \.isNewline)
        func position(_ pair: CrossViewPair) throws -> GPSTable.Position {
            guard let n = Int(pair.id), n >= 1, n <= rows.count else {
                throw GeoKitError(
                    "pair \(pair.id) has no row in the location list (\(rows.count) rows)", where: url.path,
                    remedy: "CVUSA's ids are the row numbers of split_locations/all.csv; use the published list")
            }
            let f = rows[n - 1].split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard f.count >= 4, let latitude = f[2], let longitude = f[3], (-90...90).contains(latitude), (-180...180).contains(longitude) else {
                throw GeoKitError(
                    "row \(n) is not aerial_lat,aerial_lon,ground_lat,ground_lon", where: url.path, remedy: "use the published list")
            }
            return .geographic(latitude: latitude, longitude: longitude)
        }
        return GPSTable(
            entries: try [("train", train), ("test", test)].flatMap { split, pairs in
                try pairs.map { GPSTable.Entry(split: split, id: $0.id, position: try position($0)) }
            })
    }
}
