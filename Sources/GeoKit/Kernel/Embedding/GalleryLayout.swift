import Foundation
import GeoKitCore
import GeoKitData

/// Where a gallery's reference images are and what is known of them:
/// `cvusa` (the test split's aerial tiles, ids from the split file),
/// `university1652` (test/gallery_satellite, one tile per location id),
/// `images` (every JPEG or PNG of a folder, ids their file names). GPS
/// comes from the root's gps.csv (as `geokit synth` writes it) when present.
public enum GalleryLayout: String, CaseIterable, Sendable {
    case cvusa, university1652, images

    /// The gallery of one layout under `root`.
    public struct Gallery: Sendable {
        public let layout: GalleryLayout
        public let ids: [String]
        public let files: [URL]
        public let positions: [GeoPosition?]
    }

    /// The layout a directory has: splits/ is CVUSA, test/gallery_satellite University-1652, else a folder of images.
    public static func detect(_ root: URL) -> GalleryLayout {
        let fm = FileManager.default
        if fm.fileExists(atPath: root.appendingPathComponent("splits").path) { return .cvusa }
        if fm.fileExists(atPath: root.appendingPathComponent("test/gallery_satellite").path) { return .university1652 }
        return .images
    }

    /// Reads the gallery; an empty one is an error naming the root.
    public func read(_ root: URL) throws -> Gallery {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw GeoKitError("the gallery is not a directory", where: root.path, remedy: "pass the dataset root or a folder of images")
        }
        let entries: [(id: String, file: URL)]
        switch self {
        case .cvusa: entries = try CVUSADataset(root: root).test.map { ($0.id, $0.aerial) }
        case .university1652: entries = try University1652Dataset(root: root).images("test/gallery_satellite").map { ($0.id, $0.files[0]) }
        case .images:
            let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
            entries = names.filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
                .map { ($0, root.appendingPathComponent($0)) }
        }
        guard !entries.isEmpty else {
            throw GeoKitError(
                "the \(rawValue) gallery holds no images", where: root.path,
                remedy: self == .images ? "put JPEG or PNG files in it" : "check the dataset's test split")
        }
        let table = root.appendingPathComponent("gps.csv")
        let known = FileManager.default.fileExists(atPath: table.path) ? try GPSTable(contentsOf: table).geographicPositions : [:]
        let positions = entries.map { entry in known[entry.id].map { GeoPosition(latitude: $0.latitude, longitude: $0.longitude) } }
        return Gallery(layout: self, ids: entries.map(\.id), files: entries.map(\.file), positions: positions)
    }
}
