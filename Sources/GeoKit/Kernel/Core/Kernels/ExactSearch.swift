internal import COpenBLAS
import Foundation

/// One gallery entry found for a query: its row and inner product (the cosine of L2-normalised descriptors).
public struct SearchHit: Sendable, Equatable {
    public let index: Int
    public let score: Float

    package init(index: Int, score: Float) {
        self.index = index
        self.score = score
    }
}

/// Exact maximum-inner-product search: the gallery is scored in blocks of
/// rows by one OpenBLAS sgemm per (query block, gallery block), and each
/// query keeps its k best in a min-heap as the blocks go by, so a gallery
/// of a million rows is never materialised as scores nor sorted: the
/// work beyond the GEMM is one comparison per score, plus log k for the few
/// that beat the current k-th. The gallery index and the similarity sampler's mining both search with it.
package enum ExactSearch {
    /// Rows of the gallery per GEMM and queries per GEMM: a 256 x 8192 score block is 8 MB,
    /// which stays in the last-level cache's neighbourhood while the heaps read it.
    static let galleryBlock = 8192
    static let queryBlock = 256

    /// The k best rows of `gallery` (count x dimension) for each query (queryCount x dimension),
    /// best first; ties keep the lower row. Fewer than k when the gallery is smaller.
    package static func search(
        gallery: UnsafePointer<Float>, count: Int, queries: UnsafePointer<Float>, queryCount: Int, dimension: Int, k: Int
    ) -> [[SearchHit]] {
        let k = min(k, count)
        guard k > 0, queryCount > 0 else { return Array(repeating: [], count: queryCount) }
        var heaps = [TopK](repeating: TopK(k), count: queryCount)
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: queryBlock * galleryBlock)
        defer { scores.deallocate() }
        for q0 in stride(from: 0, to: queryCount, by: queryBlock) {
            let nq = min(queryBlock, queryCount - q0)
            for g0 in stride(from: 0, to: count, by: galleryBlock) {
                let ng = min(galleryBlock, count - g0)
                // scores (nq x ng) = queries[q0...] (nq x d) * gallery[g0...]^T (d x ng)
                cblas_sgemm(
                    CblasRowMajor, CblasNoTrans, CblasTrans, Int32(nq), Int32(ng), Int32(dimension), 1,
                    queries + q0 * dimension, Int32(dimension), gallery + g0 * dimension, Int32(dimension), 0, scores, Int32(ng))
                heaps.withUnsafeMutableBufferPointer { heaps in
                    Parallel.forEachChunk(nq, grain: 8) { rows in
                        for r in rows {
                            let row = scores + r * ng
                            heaps[q0 + r].offer(row, count: ng, base: g0)
                        }
                    }
                }
            }
        }
        return heaps.map { $0.sorted() }
    }
}

/// The k largest scores seen, as a min-heap on (score, -index): its root is the one to beat.
struct TopK {
    private var scores: [Float]
    private var indices: [Int]
    private let k: Int

    init(_ k: Int) {
        self.k = k
        scores = []
        indices = []
        scores.reserveCapacity(k)
        indices.reserveCapacity(k)
    }

    /// Offers `count` consecutive scores of rows base, base+1, ...
    mutating func offer(_ row: UnsafePointer<Float>, count: Int, base: Int) {
        var start = 0
        while scores.count < k && start < count {
            push(row[start], base + start)
            start += 1
        }
        guard start < count else { return }
        var threshold = scores[0]
        for j in start..<count where row[j] > threshold {
            // Later rows lose ties (strictly greater replaces), so equal scores keep the lower row.
            replaceRoot(row[j], base + j)
            threshold = scores[0]
        }
    }

    /// Best first; equal scores by row.
    func sorted() -> [SearchHit] {
        zip(indices, scores).map { SearchHit(index: $0, score: $1) }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
    }

    /// a ranks below b: lower score, or the same score and a later row.
    @inline(__always) private func below(_ a: Int, _ b: Int) -> Bool {
        scores[a] < scores[b] || (scores[a] == scores[b] && indices[a] > indices[b])
    }

    private mutating func push(_ score: Float, _ index: Int) {
        scores.append(score)
        indices.append(index)
        var i = scores.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard below(i, parent) else { break }
            scores.swapAt(i, parent)
            indices.swapAt(i, parent)
            i = parent
        }
    }

    private mutating func replaceRoot(_ score: Float, _ index: Int) {
        scores[0] = score
        indices[0] = index
        var i = 0
        let n = scores.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < n && below(l, smallest) { smallest = l }
            if r < n && below(r, smallest) { smallest = r }
            guard smallest != i else { return }
            scores.swapAt(i, smallest)
            indices.swapAt(i, smallest)
            i = smallest
        }
    }
}
