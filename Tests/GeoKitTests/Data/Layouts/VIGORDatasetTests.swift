import Foundation
import GeoKit
import XCTest

/// VIGOR read from a generated copy of its published layout, and its metrics (hit rate with semi-positives,
/// metre error) against cases worked out by hand.
final class VIGORDatasetTests: XCTestCase {
    private func world(_ dir: TemporaryDirectory) throws -> (URL, [SynthLocation]) {
        let root = dir.file("vigor")
        return (root, try writeTinyWorld(.vigor, locations: 40, seed: 2, to: root))
    }

    func testSameAndCrossAreaSplitsAreReadAsPublished() throws {
        let dir = try TemporaryDirectory("geokit-vigor")
        let (root, plan) = try world(dir)
        let same = try VIGORDataset(root: root, area: .same)
        XCTAssertEqual(same.train.cities, VIGORDataset.cities)
        XCTAssertEqual(same.test.gallery.count, 40, "same-area: every satellite of the four cities is in the gallery")
        XCTAssertEqual(same.train.queries.count + same.test.queries.count, 40, "each panorama is in one same-area split")
        let cross = try VIGORDataset(root: root, area: .cross)
        XCTAssertEqual(cross.train.cities, ["NewYork", "Seattle"])
        XCTAssertEqual(cross.test.cities, ["Chicago", "SanFrancisco"])
        XCTAssertEqual(cross.train.queries.count, plan.filter { $0.split == .train }.count)
        XCTAssertEqual(cross.test.gallery.count, plan.filter { $0.split == .test }.count)
        XCTAssertTrue(cross.test.gallery.allSatisfy { ["Chicago", "SanFrancisco"].contains($0.city) })

        for query in cross.test.queries {
            let positive = cross.test.gallery[query.positive]
            // The synthetic panorama stands at its tile's centre: same position, zero offset, a PNG tile that exists.
            XCTAssertEqual(query.latitude, positive.latitude, accuracy: 1e-8)
            XCTAssertEqual(query.offsets[0], [0, 0])
            XCTAssertEqual(query.semiPositives.count, 3)
            XCTAssertFalse(query.semiPositives.contains(query.positive))
            XCTAssertTrue(query.semiPositives.allSatisfy { cross.test.gallery[$0].city == positive.city }, "semi-positives are of the query's city")
            XCTAssertTrue(FileManager.default.fileExists(atPath: positive.url.path), positive.url.path)
            XCTAssertTrue(FileManager.default.fileExists(atPath: query.url.path), query.url.path)
            XCTAssertTrue(query.url.lastPathComponent.hasSuffix(",.jpg"))
        }
        let pairs = cross.train.pairs
        XCTAssertEqual(pairs.count, cross.train.queries.count)
        XCTAssertEqual(pairs[0].aerial, cross.train.gallery[cross.train.queries[0].positive].url)
    }

    func testTheOtherArrangementIsReadToo() throws {
        let dir = try TemporaryDirectory("geokit-vigor-arrangement")
        let (root, _) = try world(dir)
        let manager = FileManager.default
        for city in VIGORDataset.cities {
            try manager.createDirectory(at: root.appendingPathComponent("ground"), withIntermediateDirectories: true)
            try manager.createDirectory(at: root.appendingPathComponent("satellite"), withIntermediateDirectories: true)
            try manager.moveItem(at: root.appendingPathComponent("\(city)/panorama"), to: root.appendingPathComponent("ground/\(city)"))
            try manager.moveItem(at: root.appendingPathComponent("\(city)/satellite"), to: root.appendingPathComponent("satellite/\(city)"))
        }
        let dataset = try VIGORDataset(root: root, area: .cross)
        XCTAssertTrue(dataset.test.queries.allSatisfy { manager.fileExists(atPath: $0.url.path) && $0.url.path.contains("/ground/") })
        XCTAssertTrue(dataset.test.gallery.allSatisfy { manager.fileExists(atPath: $0.url.path) && $0.url.path.contains("/satellite/") })
    }

    func testABrokenLabelFileIsOneError() throws {
        let dir = try TemporaryDirectory("geokit-vigor-bad")
        let (root, _) = try world(dir)
        let labels = root.appendingPathComponent("splits/Chicago/pano_label_balanced.txt")
        let good = try String(contentsOf: labels, encoding: .utf8)
        let line = good.split(separator: "\n")[0]
        let cases = [
            (line.split(separator: " ").dropLast().joined(separator: " "), "12 fields, expected 13"),
            (line.replacingOccurrences(of: ".png 0 0", with: ".png zero 0"), "is not two numbers"),
            ((["pano.jpg"] + line.split(separator: " ").dropFirst().map(String.init)).joined(separator: " "), "is not <prefix>,<lat>,<lon>,.jpg"),
            (line.replacingOccurrences(of: "satellite_", with: "satelite_"), "is not in the satellite lists")
        ]
        for (bad, message) in cases {
            try (bad + "\n").write(to: labels, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try VIGORDataset(root: root, area: .cross)) { XCTAssertTrue("\($0)".contains(message), "\(bad): \($0)") }
        }
    }

    /// Four tiles on a meridian 0.001 degrees apart (111.2 m), three queries with known descriptors:
    /// q0 ranks its positive first; q1 ranks a semi-positive first, then its positive (a hit, not R@1);
    /// q2 ranks an unrelated tile above its positive (a miss, R@5 only).
    func testRecallHitRateAndMetreErrorMatchAHandWorkedCase() {
        let tiles = (0..<4).map { i in
            VIGORDataset.Satellite(name: "t\(i)", city: "C", url: URL(fileURLWithPath: "/t\(i)"), latitude: 40 + 0.001 * Double(i), longitude: -75)
        }
        func query(_ positive: Int, semi: [Int]) -> VIGORDataset.Query {
            .init(
                url: URL(fileURLWithPath: "/q"), latitude: 40 + 0.001 * Double(positive), longitude: -75, positive: positive, semiPositives: semi, offsets: [])
        }
        let split = VIGORDataset.Split(cities: ["C"], gallery: tiles, queries: [query(0, semi: [1]), query(1, semi: [2]), query(2, semi: [3])])
        // Similarities are dot products of one-hot-like rows.
        let gallery = Tensor([Float]([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]), shape: [4, 4])
        let queries = Tensor([Float]([0.9, 0.1, 0, 0, 0, 0.5, 0.8, 0, 0.7, 0, 0.2, 0.1]), shape: [3, 4])
        let figures = VIGOREvaluation.figures(
            queries: queries, gallery: gallery, split: split, metrics: [.recall(1), .recall(5), .recallPercent(1)])
        XCTAssertEqual(figures["R@1"]!, 100.0 / 3, accuracy: 1e-9, "only q0 ranks its positive first")
        XCTAssertEqual(figures["R@5"]!, 100, accuracy: 1e-9)
        XCTAssertEqual(figures["hit rate"]!, 200.0 / 3, accuracy: 1e-9, "q0 and q1 (only a semi-positive above its positive) hit; q2 does not")
        // Top-1 tiles: q0 -> t0 (0 m), q1 -> t2 (one step, 111.19 m), q2 -> t0 (two steps, 222.39 m).
        let step = 0.001 * Double.pi / 180 * GPSTable.earthRadius
        XCTAssertEqual(figures["top-1 error m (median)"]!, step, accuracy: 1e-6)
        XCTAssertEqual(figures["top-1 error m (mean)"]!, (0 + step + 2 * step) / 3, accuracy: 1e-6)
    }
}
