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

    /// The first `limit` neighbours of `location` (fewer when its row is shorter).
    public func nearest(_ location: Int, limit: Int) -> ArraySlice<Int> {
        neighbours[location].prefix(limit)
    }
}
