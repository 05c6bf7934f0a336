import GeoKit
import XCTest

/// `sampler:gps` (Sample4Geo plugin): full batches of distinct locations,
/// each location at most once per epoch, the order fixed by the generator,
/// and batches made of geographic neighbours.
final class GPSSamplerTests: XCTestCase {
    /// 60 locations on a line, 1 apart: neighbours are the nearest by |i - j|.
    private func lineTable(_ count: Int) throws -> NeighbourTable {
        try NeighbourTable((0..<count).map { i in (0..<count).filter { $0 != i }.sorted { (abs($0 - i), $0) < (abs($1 - i), $1) } })
    }

    func testBatchesAreFullDistinctDeterministicAndLocal() throws {
        InTreePlugins.load()
        let sampler = try Registry.shared.make(.sampler, "gps", ["select": 4, "range": 6])
        sampler.useNeighbours(try lineTable(60))
        var g1 = RandomGenerator(seed: 3), g2 = RandomGenerator(seed: 3)
        let batches = sampler.batches(locationCount: 60, batchSize: 5, generator: &g1)
        XCTAssertEqual(batches, sampler.batches(locationCount: 60, batchSize: 5, generator: &g2))
        XCTAssertGreaterThanOrEqual(batches.count, 10)
        let all = batches.flatMap { $0 }
        XCTAssertEqual(Set(all).count, all.count, "a location appears twice in an epoch")
        for batch in batches { XCTAssertEqual(batch.count, 5) }
        // Anchors draw from their 6 nearest, so batches span a short stretch of
        // the line (5 random locations of 60 would span 40 on average).
        let spans = batches.map { $0.max()! - $0.min()! }
        XCTAssertLessThan(Double(spans.reduce(0, +)) / Double(spans.count), 30, "batches are not local: \(batches)")
    }

    func testTheSchemaDeclaresRangeAndSelect() throws {
        InTreePlugins.load()
        XCTAssertEqual(try Registry.shared.entry(.sampler, "gps").parameters.map(\.name), ["range", "select"])
    }
}
