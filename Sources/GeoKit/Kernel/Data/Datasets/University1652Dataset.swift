import Foundation
import GeoKitCore

/// University-1652 as published: view folders such as `train/satellite`,
/// `train/drone`, `train/street`, `test/query_drone`, `test/gallery_satellite`,
/// each holding one sub-folder per location id with that location's images.
public struct University1652Dataset: Sendable {
    public let root: URL

    /// One location (a building): its satellite image, its drone images and, when asked for, its street images.
    public struct Location: Sendable, Equatable {
        public let id: String
        public let satellite: URL
        /// Sorted by name; never empty.
        public let drones: [URL]
        /// Sorted by name; empty unless `locations(drone:satellite:street:)` was given a street folder.
        public let streets: [URL]

        /// The location as one pair (id = the location id): its satellite image and its first drone image, the
        /// pair evaluation and the sequential streams read (training draws among `drones` each epoch).
        public var pair: CrossViewPair { CrossViewPair(id: id, aerial: satellite, ground: drones[0]) }
    }

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

    /// The locations with drone images in `drone`, in id order, each with its satellite image from `satellite`
    /// and, when `street` names a folder (three-view training), its street images from there. A location without
    /// a satellite image, a missing street folder and a location without street images are each an error naming it.
    public func locations(drone: String, satellite: String, street: String? = nil) throws -> [Location] {
        let satellites = Dictionary(try images(satellite).map { ($0.id, $0.files[0]) }, uniquingKeysWith: { first, _ in first })
        var streets: [String: [URL]] = [:]
        if let street {
            let folder = root.appendingPathComponent(street)
            guard FileManager.default.fileExists(atPath: folder.path) else {
                throw GeoKitError(
                    "three-view training needs the street view folder, and there is none", where: folder.path,
                    remedy: "add \(street)/<id>/ with each location's street images, or train two views (--set dataset.views=2)")
            }
            streets = Dictionary(try images(street).map { ($0.id, $0.files) }, uniquingKeysWith: { first, _ in first })
        }
        return try images(drone).map { entry in
            guard let tile = satellites[entry.id] else {
                throw GeoKitError(
                    "location \(entry.id) has drone images but no satellite image", where: root.appendingPathComponent(satellite).path,
                    remedy: "add \(satellite)/\(entry.id)/ with its satellite image")
            }
            if let street, streets[entry.id] == nil {
                throw GeoKitError(
                    "location \(entry.id) has drone images but no street image, and three-view training needs one",
                    where: root.appendingPathComponent(street).path,
                    remedy: "add \(street)/\(entry.id)/ with its street images, or train two views (--set dataset.views=2)")
            }
            return Location(id: entry.id, satellite: tile, drones: entry.files, streets: streets[entry.id] ?? [])
        }
    }
}
