import GeoKit
import XCTest

/// `Evaluate(metrics:)` is honoured: exactly the metrics asked for, named as
/// metrics.json names them, printed in the recipe's order, R@P% at
/// K = ceil(P% of the gallery) (or SAFA's or Sample4Geo's K) and AP as University-1652 defines it.
final class EvaluationMetricsTests: XCTestCase {
    /// 3 queries against 150 one-hot gallery items; query q's score of item j is its
    /// j-th element, so the true item (0, 1, 2) ranks at 0-based position 0, 1 and 3.
    private func retrieval() -> (queries: Tensor, gallery: Tensor, positives: [[Int]]) {
        let n = 150
        var gallery = [Float](repeating: 0, count: n * n)
        for j in 0..<n { gallery[j * n + j] = 1 }
        var queries = [Float](repeating: 0, count: 3 * n)
        // Query 0: item 0 best. Query 1: item 9 above item 1. Query 2: items 10, 11, 12 above item 2.
        let rows: [[(Int, Float)]] = [[(0, 1)], [(9, 1), (1, 0.9)], [(10, 1), (11, 0.95), (12, 0.93), (2, 0.9)]]
        for (q, row) in rows.enumerated() { for (j, v) in row { queries[q * n + j] = v } }
        return (Tensor(queries, shape: [3, n]), Tensor(gallery, shape: [n, n]), [[0], [1], [2]])
    }

    func testExactlyTheMetricsAskedForAreReported() {
        let (queries, gallery, positives) = retrieval()
        let metrics: [Evaluate.Metric] = [.averagePrecision, .recall(2), .recallPercent(1), .recallPercent(2), .recallPercent(3), .recall(1)]
        let figures = Evaluate.figures(queries: queries, gallery: gallery, positives: positives, metrics: metrics)
        XCTAssertEqual(Set(figures.keys), ["AP", "R@2", "R@1%", "R@2%", "R@3%", "R@1"])
        XCTAssertEqual(figures["R@1"]!, 100.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(figures["R@2"]!, 200.0 / 3, accuracy: 1e-9)
        // 1% of 150 is 1.5: K = 2; 2% is 3: K = 3 (rank 3 is the 4th); 3% is 4.5: K = 5.
        XCTAssertEqual(figures["R@1%"]!, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(figures["R@2%"]!, 200.0 / 3, accuracy: 1e-9)
        XCTAssertEqual(figures["R@3%"]!, 100, accuracy: 1e-9)
        // One true item at rank r: AP 1 for r = 0, else (0 + 1/(r+1)) / 2: (1 + 0.25 + 0.125) / 3.
        XCTAssertEqual(figures["AP"]!, 100 * 1.375 / 3, accuracy: 1e-9)
        let recallsOnly = Evaluate.figures(queries: queries, gallery: gallery, positives: positives, metrics: [.recall(5)])
        XCTAssertEqual(Array(recallsOnly.keys), ["R@5"], "no R@1% or AP unless asked for")
    }

    /// The three R@P% conventions on the same ranking: 150 items, 1% = 1.5 and 2% = 3; ranks 0, 1 and 3.
    func testEachPapersPercentConventionGivesItsK() throws {
        let table: [(Evaluate.PercentConvention, [Int: Int])] = [
            (.ceiling, [40: 1, 100: 1, 150: 2, 250: 3, 350: 4, 8884: 89]),
            (.safa, [40: 1, 100: 2, 150: 2, 250: 3, 350: 4, 8884: 89]),
            // R // 100: 0 below 100 items (no query can count).
            (.sample4geo, [40: 0, 100: 1, 150: 1, 250: 2, 350: 3, 8884: 88])
        ]
        for (convention, ks) in table {
            for (n, k) in ks { XCTAssertEqual(convention.k(gallery: n, percent: 1), k, "\(convention) at N = \(n)") }
        }
        XCTAssertEqual(Evaluate.PercentConvention.safa.k(gallery: 150, percent: 2), 4, "floor(3) + 1")
        let (queries, gallery, positives) = retrieval()
        func r2(_ convention: Evaluate.PercentConvention) -> Double {
            Evaluate.figures(queries: queries, gallery: gallery, positives: positives, metrics: [.recallPercent(2, convention)])["R@2%"]!
        }
        XCTAssertEqual(r2(.ceiling), 200.0 / 3, accuracy: 1e-9, "K = 3 leaves out rank 3")
        XCTAssertEqual(r2(.safa), 100, accuracy: 1e-9, "K = 4 takes rank 3 in")
        XCTAssertEqual(r2(.sample4geo), 200.0 / 3, accuracy: 1e-9, "K = 3")

        let recipe = Recipe("conventions") { Evaluate(metrics: [.recall(1), .recallPercent(1)]) }
        try recipe.override(["evaluate.percentConvention=sample4geo"])
        XCTAssertEqual(recipe.evaluation.metrics(for: nil), [.recall(1), .recallPercent(1, .sample4geo)])
        XCTAssertThrowsError(try recipe.override(["evaluate.percentConvention=floor"])) {
            XCTAssertTrue("\($0)".contains("ceiling, safa, sample4geo"), "\($0)")
        }
    }

    func testTheLogPrintsTheRecipesOrder() {
        let figures = ["R@1": 10.0, "AP": 20.0, "D->S R@1": 30.0, "S->D R@1": 40.0]
        XCTAssertEqual(
            Trainer.format(figures, order: Evaluate.names([.averagePrecision, .recall(1)])),
            "AP 20.00  R@1 10.00  D->S R@1 30.00  S->D R@1 40.00")
        XCTAssertEqual(
            Evaluate.names([.recall(5), .recallPercent(1)], directions: ["D->S", "S->D"]),
            ["D->S R@5", "D->S R@1%", "S->D R@5", "S->D R@1%"])
    }

    func testDefaultsAreTheDatasetsStandardMetrics() {
        let cvusa = Recipe("cvusa") {
            Dataset.cvusa(root: "x"); Evaluate(every: 2)
        }
        XCTAssertEqual(cvusa.evaluation.metrics(for: cvusa.dataset), [.recall(1), .recall(5), .recall(10), .recallPercent(1)])
        let university = Recipe("u") { Dataset.synthetic(layout: .university) }
        XCTAssertEqual(
            university.evaluation.metrics(for: university.dataset),
            [.recall(1), .recall(5), .recall(10), .recallPercent(1), .averagePrecision])
        XCTAssertEqual(Evaluate.Metric("R@12%"), .recallPercent(12))
        XCTAssertEqual(Evaluate.Metric("R@7"), .recall(7))
        XCTAssertEqual(Evaluate.Metric("AP"), .averagePrecision)
        XCTAssertNil(Evaluate.Metric("R@x"))
    }
}
