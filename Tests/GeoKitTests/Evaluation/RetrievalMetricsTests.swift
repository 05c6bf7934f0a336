import GeoKit
import XCTest

final class RetrievalMetricsTests: XCTestCase {
    /// 2-D unit descriptors at given angles: cosine similarity is cos(a - b).
    private func descriptors(_ angles: [Double]) -> Tensor {
        Tensor(angles.flatMap { [Float(cos($0)), Float(sin($0))] }, shape: [angles.count, 2])
    }

    func testRecallAtKByHand() {
        // Gallery at 0, 10, 20, ..., 190 degrees (20 items, so R@1% uses K = 1).
        let gallery = descriptors((0..<20).map { Double($0) * 10 * .pi / 180 })
        // Query 0 sits on gallery 0: rank 0. Query 1 at 14 degrees, truth 0: gallery 10 (4 away) and
        // 20 (6 away) come first: rank 2. Query 2 at 100 degrees, truth 15 (150 degrees, 50 away):
        // 100, 90/110, 80/120, 70/130, 60/140 and 50 come first: rank 10.
        let queries = descriptors([0, 14, 100].map { $0 * .pi / 180 })
        let m = RetrievalMetrics.evaluate(queries: queries, gallery: gallery, truth: [0, 0, 15], ks: [1, 3, 10, 11])
        XCTAssertEqual(m.recall[1]!, 100.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(m.recall[3]!, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(m.recall[10]!, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(m.recall[11]!, 100, accuracy: 1e-9)
        XCTAssertEqual(m.recallAtOnePercent, 100.0 / 3, accuracy: 1e-9)
        XCTAssertNil(m.averagePrecision)
    }

    /// A NaN similarity ranks below every number (and NaNs among themselves by index), so it is never a hit.
    func testNaNSimilaritiesRankLast() {
        let row: [Float] = [0.2, .nan, 0.9, .nan, -1]
        row.withUnsafeBufferPointer { row in
            XCTAssertEqual(Ranking.order(row), [2, 0, 4, 1, 3])
            XCTAssertEqual((0..<5).map { Ranking.position(of: $0, in: row) }, [1, 3, 0, 4, 2])
        }
    }

    func testTiesRankTheLowerGalleryIndexFirst() {
        // Gallery items 0 and 1 are identical; the query matches both equally.
        let gallery = descriptors([0, 0, 1])
        let queries = descriptors([0, 0])
        let m = RetrievalMetrics.evaluate(queries: queries, gallery: gallery, truth: [0, 1], ks: [1, 2])
        XCTAssertEqual(m.recall[1]!, 50, accuracy: 1e-9)  // truth 1 ranks behind its twin 0
        XCTAssertEqual(m.recall[2]!, 100, accuracy: 1e-9)
    }

    func testAveragePrecisionWithSeveralPositivesByHand() {
        // Positives at 0-based ranks 0 and 2: precisions 1 and 2/3; previous 1 and 1/2.
        // AP = 0.5 * (1 + 1) / 2 + 0.5 * (0.5 + 2/3) / 2 = 0.5 + 0.291666...
        XCTAssertEqual(RetrievalMetrics.averagePrecision(positions: [2, 0]), 0.5 + 0.5 * (0.5 + 2.0 / 3) / 2, accuracy: 1e-12)
        XCTAssertEqual(RetrievalMetrics.averagePrecision(positions: [0, 1, 2]), 1, accuracy: 1e-12)
        // One positive at rank 3: precision 1/4, and 0 before it.
        XCTAssertEqual(RetrievalMetrics.averagePrecision(positions: [3]), (0 + 1.0 / 4) / 2, accuracy: 1e-12)
    }

    func testAveragePrecisionThroughDescriptorsWithTies() {
        // Gallery: items 0, 1 identical at 0 degrees, item 2 at 90, item 3 at 180.
        let gallery = descriptors([0, 0, .pi / 2, .pi])
        let queries = descriptors([0])
        // Positives {1, 2}: ranking is 0, 1 (tie, lower index first), 2, 3 -> positions 1 and 2.
        let m = RetrievalMetrics.evaluate(queries: queries, gallery: gallery, positives: [[1, 2]], ks: [1, 2])
        let expected = 0.5 * (0 + 0.5) / 2 + 0.5 * (0.5 + 2.0 / 3) / 2
        XCTAssertEqual(m.averagePrecision!, 100 * expected, accuracy: 1e-9)
        XCTAssertEqual(m.recall[1]!, 0, accuracy: 1e-9)
        XCTAssertEqual(m.recall[2]!, 100, accuracy: 1e-9)
    }

    func testChunkedSimilarityMatchesOneBlockAndTopKOrders() {
        var g = RandomGenerator(seed: 4)
        let gallery = Tensor.randn([700, 16], generator: &g), queries = Tensor.randn([600, 16], generator: &g)
        var chunked = [Int](repeating: -1, count: 600), whole = [Int](repeating: -1, count: 600)
        Similarity.forEachRow(queries: queries, gallery: gallery, chunk: 128) { q, row in chunked[q] = Ranking.order(row)[0] }
        Similarity.forEachRow(queries: queries, gallery: gallery, chunk: 600) { q, row in whole[q] = Ranking.order(row)[0] }
        XCTAssertEqual(chunked, whole)
        // topK is the first five of the full ranking of each query, with that query's similarities.
        var expected: [[(index: Int, similarity: Float)]] = []
        Similarity.forEachRow(queries: queries, gallery: gallery) { _, row in
            expected.append(Ranking.order(row).prefix(5).map { ($0, row[$0]) })
        }
        let top = Similarity.topK(queries: queries, gallery: gallery, k: 5)
        XCTAssertEqual(top.map { $0.map(\.index) }, expected.map { $0.map(\.index) })
        XCTAssertEqual(top.map { $0.map(\.similarity) }, expected.map { $0.map(\.similarity) })
        XCTAssertEqual(top.map { $0[0].index }, whole)
        XCTAssertTrue(top.allSatisfy { zip($0, $0.dropFirst()).allSatisfy { $0.similarity >= $1.similarity } })
    }
}
