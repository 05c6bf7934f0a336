import GeoKitCore
import GeoKitData
import GeoKitSynth

/// Query-by-gallery cosine similarities, computed in chunks of queries so
/// that a large evaluation never holds the whole (queries x gallery) matrix:
/// each chunk is one sgemm over L2-normalised descriptors.
public enum Similarity {
    /// Calls `body(queryIndex, row)` for every query with its similarity to
    /// every gallery item (row has gallery.shape[0] entries, valid only
    /// during the call).
    public static func forEachRow(
        queries: Tensor, gallery: Tensor, chunk: Int = 512,
        _ body: (Int, UnsafeBufferPointer<Float>) -> Void
    ) {
        require(
            queries.rank == 2 && gallery.rank == 2 && queries.shape[1] == gallery.shape[1],
            "GeoKit: similarity needs (Nq, D) queries and (Ng, D) gallery descriptors, got \(queries.shape) and \(gallery.shape)")
        noGrad {
            let g = gallery.to(.float32).l2Normalized(axis: 1)
            let q = queries.to(.float32).l2Normalized(axis: 1)
            let n = q.shape[0], ng = g.shape[0]
            var start = 0
            while start < n {
                let end = Swift.min(n, start + chunk)
                let block = Tensor.matmul(q.sliced(axis: 0, start..<end), g, transposeA: false, transposeB: true)
                let p = block.pointer(Float.self)
                for i in 0..<(end - start) {
                    body(start + i, UnsafeBufferPointer(start: p + i * ng, count: ng))
                }
                start = end
            }
        }
    }

    /// The k most similar gallery items of each query, most similar first
    /// (ties: lower gallery index first).
    public static func topK(queries: Tensor, gallery: Tensor, k: Int) -> [[(index: Int, similarity: Float)]] {
        var result = [[(index: Int, similarity: Float)]](repeating: [], count: queries.shape[0])
        forEachRow(queries: queries, gallery: gallery) { q, row in
            result[q] = Ranking.order(row).prefix(k).map { ($0, row[$0]) }
        }
        return result
    }
}

/// The ranking convention of every GeoKit metric: descending similarity,
/// ties broken by the lower gallery index (deterministic; docs/methods.md,
/// "The task and its metrics"). A NaN similarity ranks below every number,
/// so a broken descriptor can never be counted as a hit.
public enum Ranking {
    public static func order(_ row: UnsafeBufferPointer<Float>) -> [Int] {
        (0..<row.count).sorted { ranksAhead(row[$0], $0, of: row[$1], $1) }
    }

    /// 0-based position of `item` in `order(row)`, without sorting.
    public static func position(of item: Int, in row: UnsafeBufferPointer<Float>) -> Int {
        let s = row[item]
        var ahead = 0
        for j in 0..<row.count where ranksAhead(row[j], j, of: s, item) { ahead += 1 }
        return ahead
    }

    /// Whether similarity `a` of gallery item `i` ranks ahead of `b` of item `j`.
    @inline(__always)
    static func ranksAhead(_ a: Float, _ i: Int, of b: Float, _ j: Int) -> Bool {
        if a.isNaN || b.isNaN { return !a.isNaN || (b.isNaN && i < j) }
        return a > b || (a == b && i < j)
    }
}
