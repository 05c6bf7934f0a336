import GeoKitCore
import GeoKitData

/// For every location, the other locations ordered nearest first, by
/// geographic distance (Sample4Geo's GPS sampling) or by descriptor
/// similarity (its dynamic similarity sampling). Samplers read it through
/// `BatchSampler.useNeighbours`.
///
/// ```swift
/// let table = try NeighbourTable([[1, 2], [0, 2], [1, 0]])
/// table.nearest(0, limit: 1)   // [1]
/// ```
public struct NeighbourTable: Sendable, Equatable {
    /// neighbours[i]: ids of other locations, nearest first.
    public let neighbours: [[Int]]

    public var locationCount: Int { neighbours.count }

    /// Checks that every id is a location of the table, never the location
    /// itself and listed once.
    public init(_ neighbours: [[Int]]) throws {
        let valid = 0..<neighbours.count
        for (location, list) in neighbours.enumerated() {
            if let bad = list.first(where: { !valid.contains($0) || $0 == location }) {
                throw GeoKitError(
                    "neighbour table row \(location) lists \(bad), which is \(bad == location ? "the location itself" : "not a location id (0..<\(neighbours.count))")",
                    remedy: "list, for each location, the ids of the other locations, nearest first")
            }
            if Set(list).count != list.count {
                throw GeoKitError(
                    "neighbour table row \(location) lists a location twice",
                    remedy: "list each neighbour once, nearest first")
            }
        }
        self.neighbours = neighbours
    }

    /// Dynamic similarity sampling's table (Sample4Geo): for location i (query descriptor row i), the `range`
    /// references most similar to it by dot product, its own reference (row i of `references`) excluded, most
    /// similar first (ties to the lower id). Both are (N, D) and L2-normalised by the caller.
    public static func similarity(queries: Tensor, references: Tensor, range: Int) throws -> NeighbourTable {
        guard queries.rank == 2, references.rank == 2, queries.shape == references.shape else {
            throw GeoKitError(
                "similarity mining needs one query and one reference descriptor per location, got \(queries.shape) and \(references.shape)",
                remedy: "embed the training split's two views")
        }
        let (n, d) = (queries.shape[0], queries.shape[1])
        let (q, r) = (queries.to(.float32), references.to(.float32))
        // One more than kept, so that the location's own reference can be dropped wherever it ranks.
        let hits = ExactSearch.search(
            gallery: r.pointer(Float.self), count: n, queries: q.pointer(Float.self), queryCount: n, dimension: d, k: range + 1)
        return try NeighbourTable(hits.enumerated().map { i, row in Array(row.map(\.index).filter { $0 != i }.prefix(range)) })
    }

    /// The first `limit` neighbours of `location` (fewer when its row is shorter).
    public func nearest(_ location: Int, limit: Int) -> ArraySlice<Int> {
        neighbours[location].prefix(limit)
    }
}
