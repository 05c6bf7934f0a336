import Foundation
import GeoKitCore

/// University-1652 as published: view folders such as `train/satellite`,
/// `train/drone`, `train/street`, `test/query_drone`, `test/gallery_satellite`,
/// each holding one sub-folder per location id with that location's images.
public struct University1652Dataset: Sendable {
    public let root: URL

    public init(root: URL) throws {
        guard
            FileManager.default.fileExists(atPath: root.appendingPathComponent("train").path)
                || FileManager.default.fileExists(atPath: root.appendingPathComponent("test").path)
        else {
            throw GeoKitError(
                "not a University-1652 root (no train/ or test/ folder)", where: root.path,
                remedy: "point at the folder holding train/ and test/")
        }
        self.root = root
    }

    /// The images of a view folder (e.g. "test/query_drone") by location id,
    /// ids and files sorted by name. A missing folder is an error naming it.
    public func images(_ folder: String) throws -> [(id: String, files: [URL])] {
        let base = root.appendingPathComponent(folder)
        let manager = FileManager.default
        guard let ids = try? manager.contentsOfDirectory(atPath: base.path) else {
            throw GeoKitError(
                "missing University-1652 view folder", where: base.path,
                remedy: "expected e.g. train/satellite, train/drone, test/query_drone, test/gallery_satellite")
        }
        return ids.filter { !$0.hasPrefix(".") }.sorted().compactMap { id in
            let dir = base.appendingPathComponent(id)
            let names = ((try? manager.contentsOfDirectory(atPath: dir.path)) ?? [])
                .filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            return names.isEmpty ? nil : (id, names.map { dir.appendingPathComponent($0) })
        }
    }

    /// Each drone image of `drone` paired with its location's satellite image
    /// in `satellite` (ground = drone, aerial = satellite), or only the first
    /// drone image of each location if `firstOnly`. Pair ids are `<id>/<file>`;
    /// a location without a satellite image is an error naming it.
    public func dronePairs(drone: String, satellite: String, firstOnly: Bool = false) throws -> [CrossViewPair] {
        let satellites = Dictionary(try images(satellite).map { ($0.id, $0.files[0]) }, uniquingKeysWith: { first, _ in first })
        return try images(drone).flatMap { entry -> [CrossViewPair] in
            guard let tile = satellites[entry.id] else {
                throw GeoKitError(
                    "location \(entry.id) has drone images but no satellite image", where: root.appendingPathComponent(satellite).path,
                    remedy: "add \(satellite)/\(entry.id)/ with its satellite image")
            }
            return (firstOnly ? Array(entry.files.prefix(1)) : entry.files).map {
                CrossViewPair(id: "\(entry.id)/\($0.lastPathComponent)", aerial: tile, ground: $0)
            }
        }
    }
}
