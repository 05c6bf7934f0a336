import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// University-1652's held-out retrieval in both directions: drone queries
/// against the satellite gallery (one true image each) and satellite queries
/// against the drone gallery (every drone image of the location is true),
/// scored with AP as well as recall, over the gallery `Evaluate.GalleryConvention`
/// chooses. Images stay on disk and are streamed (`embed(files:)`), since the
/// drone gallery is far larger than the training batches.
public struct University1652Evaluation: Sendable {
    /// One direction: its metric prefix ("D->S", "S->D"), and the query and gallery images with their location ids.
    public struct Direction: Sendable {
        public let name: String
        public let queryView: CrossView
        public let queries: [(id: String, file: URL)]
        public let gallery: [(id: String, file: URL)]

        public init(name: String, queryView: CrossView, queries: [(id: String, file: URL)], gallery: [(id: String, file: URL)]) {
            (self.name, self.queryView, self.queries, self.gallery) = (name, queryView, queries, gallery)
        }

        /// Per query, the gallery items of its location.
        public var positives: [[Int]] {
            University1652Evaluation.positives(queryIDs: queries.map(\.id), galleryIDs: gallery.map(\.id))
        }

        /// The direction as `convention` scores it: `.original` as listed; `.sample4geo` without the gallery items
        /// of locations no query has (junk: they neither rank nor count, so dropping them before ranking is exact).
        public func scored(_ convention: Evaluate.GalleryConvention) -> Direction {
            guard convention == .sample4geo else { return self }
            let queried = Set(queries.map(\.id))
            return Direction(name: name, queryView: queryView, queries: queries, gallery: gallery.filter { queried.contains($0.id) })
        }
    }

    public let directions: [Direction]

    /// Lists test/query_drone, test/gallery_satellite, test/query_satellite and test/gallery_drone.
    public init(dataset: University1652Dataset) throws {
        func files(_ folder: String) throws -> [(id: String, file: URL)] {
            try dataset.images(folder).flatMap { entry in entry.files.map { (entry.id, $0) } }
        }
        directions = [
            Direction(name: "D->S", queryView: .ground, queries: try files("test/query_drone"), gallery: try files("test/gallery_satellite")),
            Direction(name: "S->D", queryView: .aerial, queries: try files("test/query_satellite"), gallery: try files("test/gallery_drone"))
        ]
        for direction in directions {
            let galleryIDs = Set(direction.gallery.map(\.id))
            if let lost = direction.queries.first(where: { !galleryIDs.contains($0.id) }) {
                throw GeoKitError(
                    "\(direction.name) query \(lost.file.lastPathComponent) of location \(lost.id) has no gallery image of its location",
                    where: dataset.root.path, remedy: "every query location needs its images in the matching gallery folder")
            }
        }
    }

    /// Per query, the indices of the gallery items with the query's location id.
    public static func positives(queryIDs: [String], galleryIDs: [String]) -> [[Int]] {
        var byID: [String: [Int]] = [:]
        for (index, id) in galleryIDs.enumerated() { byID[id, default: []].append(index) }
        return queryIDs.map { byID[$0] ?? [] }
    }

    /// The figures of both directions as metrics.json names them ("D->S R@1", ..., "S->D AP") over the `gallery`
    /// convention's gallery; each embedding reports to `progress`, with flip test-time augmentation when `flipTTA`.
    public func figures(
        model: CrossViewModel, input: ViewInput, metrics: [Evaluate.Metric], progress: ProgressBar? = nil, flipTTA: Bool = false,
        gallery convention: Evaluate.GalleryConvention = .original, communicator: Communicator = .process
    ) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for direction in directions.map({ $0.scored(convention) }) {
            let galleryView: CrossView = direction.queryView == .ground ? .aerial : .ground
            let queries = try model.embed(
                files: direction.queries.map(\.file), view: direction.queryView, input: input, progress: progress, flipTTA: flipTTA, communicator: communicator)
            let gallery = try model.embed(
                files: direction.gallery.map(\.file), view: galleryView, input: input, progress: progress, flipTTA: flipTTA, communicator: communicator)
            for (key, value) in Evaluate.figures(queries: queries, gallery: gallery, positives: direction.positives, metrics: metrics) {
                result["\(direction.name) \(key)"] = value
            }
        }
        return result
    }
}
