import GeoKit
import XCTest

/// `sampler:dss` (Sample4Geo plugin): the neighbour table mined from known embeddings, the batches composed from
/// it, and what the sampler asks the trainer for.
final class DSSSamplerTests: XCTestCase {
    /// Location i's reference at angle 60 i degrees on the unit circle, its query turned 10 degrees further.
    private func ring(_ n: Int) -> (queries: Tensor, references: Tensor) {
        func at(_ degrees: Double) -> [Float] { [Float(cos(degrees * .pi / 180)), Float(sin(degrees * .pi / 180))] }
        return (
            Tensor((0..<n).flatMap { at(60 * Double($0) + 10) }, shape: [n, 2]),
            Tensor((0..<n).flatMap { at(60 * Double($0)) }, shape: [n, 2])
        )
    }

    func testTheMinedTableRanksReferencesByTheirSimilarityToEachQuery() throws {
        let (queries, references) = ring(6)
        let table = try NeighbourTable.similarity(queries: queries, references: references, range: 4)
        // Query 0 at 10 degrees: references at 60 (50 away), 300 (70), 120 (110), 240 (130); its own (0) excluded.
        XCTAssertEqual(table.neighbours[0], [1, 5, 2, 4])
        let q = queries.scalars(as: Double.self), r = references.scalars(as: Double.self)
        for i in 0..<6 {
            let others = (0..<6).filter { $0 != i }.sorted { a, b in
                let (sa, sb) = (q[2 * i] * r[2 * a] + q[2 * i + 1] * r[2 * a + 1], q[2 * i] * r[2 * b] + q[2 * i + 1] * r[2 * b + 1])
                return sa > sb || sa == sb && a < b
            }
            XCTAssertEqual(table.neighbours[i], Array(others.prefix(4)), "location \(i)")
        }
        XCTAssertThrowsError(try NeighbourTable.similarity(queries: queries, references: references.sliced(axis: 0, 0..<5), range: 2)) {
            XCTAssertTrue("\($0)".contains("one query and one reference descriptor per location"), "\($0)")
        }
    }

    /// 12 locations in 4 groups of 3 look-alikes: with range 2 and select 2 every batch of 3 is one group.
    func testBatchesAreComposedFromTheMinedLookAlikes() throws {
        InTreePlugins.load()
        let group = (0..<12).map { $0 / 3 }
        let directions: [[Float]] = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
        let references = Tensor(group.flatMap { directions[$0] }, shape: [12, 4])
        let queries = Tensor(group.enumerated().flatMap { i, g in directions[g].map { $0 * 0.9 + Float(i) * 1e-3 } }, shape: [12, 4])
        let sampler = try Registry.shared.make(.sampler, "dss", ["range": 2, "select": 2, "every": 1])
        sampler.useNeighbours(try NeighbourTable.similarity(queries: queries.l2Normalized(), references: references, range: 2))
        var generator = RandomGenerator(seed: 9)
        let batches = sampler.batches(locationCount: 12, batchSize: 3, generator: &generator)
        XCTAssertEqual(batches.count, 4)
        for batch in batches { XCTAssertEqual(Set(batch.map { group[$0] }).count, 1, "batch \(batch) mixes groups") }
        XCTAssertEqual(Set(batches.flatMap { $0 }).count, 12)
    }

    func testEachSamplerAsksTheTrainerForWhatItUses() throws {
        InTreePlugins.load()
        XCTAssertEqual(try Registry.shared.make(.sampler, "random").needs, SamplerNeeds())
        XCTAssertEqual(try Registry.shared.make(.sampler, "gps").needs, SamplerNeeds(gpsTable: true))
        XCTAssertEqual(
            try Registry.shared.make(.sampler, "dss", ["every": 3]).needs,
            SamplerNeeds(gpsTable: true, similarityMining: .init(every: 3, range: 128)))
    }

    /// Three epochs with `every: 1`: re-mined after epochs 1 and 2 (not after the last), and again on resume.
    func testTheTrainerReMinesAfterEveryNthEpochAndOnResume() throws {
        InTreePlugins.load()
        let dir = try TemporaryDirectory("geokit-dss-run")
        let recipe = Recipe("dss") {
            Dataset.synthetic(locations: 40, difficulty: .easy, seed: 6, sameArea: true, ground: .panorama(16, 64), aerial: .polar(16, 64))
            Model(shareWeights: true) {
                Backbone("resnet18")
                Aggregator("gem")
            }
            Loss("infonce")
            Sampler("dss", ["every": 1, "range": 8, "select": 4])
            Train(epochs: 3, batchSize: 4, optimizer: .adamW(lr: 1e-3))
        }
        try recipe.override(["dataset.root=\(dir.file("world").path)"])
        _ = try Trainer(recipe: recipe, directory: dir.file("run")).run(stopAfter: 2)
        let log = try String(contentsOf: dir.file("run/train.log"), encoding: .utf8)
        XCTAssertEqual(log.components(separatedBy: "re-mined the sampler's neighbour table").count - 1, 2, log)
        XCTAssertTrue(log.contains("(32 locations, 8 each)"), log)
        _ = try Trainer(recipe: recipe, directory: dir.file("run"), appendLog: true).run(resume: true)
        let resumed = try String(contentsOf: dir.file("run/train.log"), encoding: .utf8)
        XCTAssertEqual(resumed.components(separatedBy: "re-mined the sampler's neighbour table").count - 1, 3, "once more on resume, none after the last epoch")
    }

    func testASamplerThatNeedsGPSWithoutLocationDataIsOneError() throws {
        InTreePlugins.load()
        let dir = try TemporaryDirectory("geokit-dss-nogps")
        let world = dir.file("world")
        try writeTinyWorld(.cvusa, locations: 12, seed: 0, to: world)
        for name in ["gps.csv", "split_locations"] { try FileManager.default.removeItem(at: world.appendingPathComponent(name)) }
        let recipe = Recipe("dss-nogps") {
            Dataset.cvusa(root: world.path, ground: .panorama(16, 64), aerial: .polar(16, 64))
            Model(shareWeights: true) {
                Backbone("resnet18")
                Aggregator("gem")
            }
            Loss("infonce")
            Sampler("dss")
            Train(epochs: 1, batchSize: 4, optimizer: .adamW(lr: 1e-3))
        }
        XCTAssertThrowsError(try Trainer(recipe: recipe, directory: dir.file("run")).run()) {
            XCTAssertTrue("\($0)".contains("sampler:dss needs GPS coordinates"), "\($0)")
        }
    }
}
