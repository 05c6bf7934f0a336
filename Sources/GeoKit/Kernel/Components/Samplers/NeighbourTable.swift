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
        let n = queries.shape[0], keep = Swift.min(range, Swift.max(n - 1, 0))
        var rows = [[Int]](repeating: [], count: n)
        let block = 256
        for start in stride(from: 0, to: n, by: block) {
            let end = Swift.min(n, start + block)
            let scores = Tensor.matmul(queries.sliced(axis: 0, start..<end).to(.float32), references.to(.float32), transposeA: false, transposeB: true)
            let s = scores.pointer(Float.self)
            for q in start..<end {
                let row = UnsafeBufferPointer(start: s + (q - start) * n, count: n)
                rows[q] = Self.best(row, excluding: q, keep: keep)
            }
        }
        return try NeighbourTable(rows)
    }

    /// The `keep` highest entries of `row` other than `excluded`, highest first, ties to the lower index.
    private static func best(_ row: UnsafeBufferPointer<Float>, excluding excluded: Int, keep: Int) -> [Int] {
        guard keep > 0 else { return [] }
        var top: [(Float, Int)] = []
        top.reserveCapacity(keep + 1)
        for j in 0..<row.count where j != excluded {
            let v = row[j]
            if top.count == keep, v <= top[keep - 1].0 { continue }
            var i = top.count
            while i > 0, top[i - 1].0 < v { i -= 1 }
            top.insert((v, j), at: i)
            if top.count > keep { top.removeLast() }
        }
        return top.map(\.1)
    }

    /// The first `limit` neighbours of `location` (fewer when its row is shorter).
    public func nearest(_ location: Int, limit: Int) -> ArraySlice<Int> {
        neighbours[location].prefix(limit)
    }
}
