import Foundation

/// University-1652 as published: view folders such as `train/satellite`,
/// `train/drone`, `train/street`, `test/query_drone`, `test/gallery_satellite`,
/// each holding one sub-folder per location id with that location's images.
public struct University1652Dataset: Sendable {
    public let root: URL

    public init(root: URL) throws {
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("train").path)
                || FileManager.default.fileExists(atPath: root.appendingPathComponent("test").path) else {
            throw GeoKitError("not a University-1652 root (no train/ or test/ folder)", where: root.path,
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
            throw GeoKitError("missing University-1652 view folder", where: base.path,
                              remedy: "expected e.g. train/satellite, train/drone, test/query_drone, test/gallery_satellite")
        }
        return ids.filter { !$0.hasPrefix(".") }.sorted().compactMap { id in
            let dir = base.appendingPathComponent(id)
            let names = ((try? manager.contentsOfDirectory(atPath: dir.path)) ?? [])
                .filter { ["jpg", "jpeg", "png"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            return names.isEmpty ? nil : (id, names.map { dir.appendingPathComponent($0) })
        }
    }
}
