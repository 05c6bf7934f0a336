import Foundation
import GeoKit
import XCTest

/// The GPS sampler's table: distances, the nearest-neighbour selection, and CVUSA's published location list.
final class GPSTableTests: XCTestCase {
    func testDistancesAreGreatCircleOrEuclidean() {
        let oneDegree = Double.pi / 180 * GPSTable.earthRadius
        XCTAssertEqual(
            GPSTable.Position.geographic(latitude: 10, longitude: 20).metres(to: .geographic(latitude: 11, longitude: 20)), oneDegree, accuracy: 1e-6)
        // Along the 60th parallel: haversine with equal latitudes reduces to 2R asin(cos(lat) sin(dlon / 2)).
        let alongParallel = GPSTable.haversineMetres(60, 0, 60, 1)
        XCTAssertEqual(alongParallel, 2 * GPSTable.earthRadius * asin(cos(60 * Double.pi / 180) * sin(Double.pi / 360)), accuracy: 1e-6)
        XCTAssertEqual(GPSTable.Position.planar(east: 0, north: 0).metres(to: .planar(east: 3, north: 4)), 5, accuracy: 1e-12)
    }

    func testNeighboursAreTheNearestInOrderWithTiesByIndex() {
        var generator = RandomGenerator(seed: 11)
        let positions =
            (0..<300).map { _ in GPSTable.Position.geographic(latitude: 30 + 10 * generator.uniform(), longitude: -120 + 40 * generator.uniform()) }
            + [.geographic(latitude: 35, longitude: -100), .geographic(latitude: 35, longitude: -100)]
        let table = GPSTable(entries: positions.enumerated().map { .init(split: "train", id: "\($0.offset)", position: $0.element) })
        let near = table.neighbours(split: "train", range: 7)
        for a in [0, 17, 299, 300, 301] {
            let expected = positions.indices.filter { $0 != a }.sorted {
                let (d0, d1) = (positions[a].metres(to: positions[$0]), positions[a].metres(to: positions[$1]))
                return d0 < d1 || d0 == d1 && $0 < $1
            }
            XCTAssertEqual(near[a], Array(expected.prefix(7)), "location \(a)")
        }
        XCTAssertEqual(near[300][0], 301, "a location's twin is its nearest")
    }

    func testCVUSAsPublishedLocationListIsImported() throws {
        let dir = try TemporaryDirectory("geokit-cvusa-gps")
        let root = dir.url
        for name in ["bingmap/19", "streetview/panos", "splits", "split_locations"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        for id in ["0000001", "0000002", "0000003"] {
            for file in ["bingmap/19/\(id).jpg", "streetview/panos/\(id).jpg"] { try Data([0]).write(to: root.appendingPathComponent(file)) }
        }
        try "bingmap/19/0000001.jpg,streetview/panos/0000001.jpg\nbingmap/19/0000003.jpg,streetview/panos/0000003.jpg\n".write(
            to: root.appendingPathComponent("splits/train-19zl.csv"), atomically: true, encoding: .utf8)
        try "bingmap/19/0000002.jpg,streetview/panos/0000002.jpg\n".write(
            to: root.appendingPathComponent("splits/val-19zl.csv"), atomically: true, encoding: .utf8)
        // aerial_lat, aerial_lon, ground_lat, ground_lon, (unused): row n is id n.
        try "41.1,-81.1,41.0,-81.0,0\n42.1,-82.1,42.0,-82.0,0\n43.1,-83.1,43.0,-83.0,0\n".write(
            to: root.appendingPathComponent(CVUSADataset.locationList), atomically: true, encoding: .utf8)
        let table = try XCTUnwrap(try CVUSADataset(root: root).locations())
        XCTAssertEqual(table.entries.map(\.id), ["0000001", "0000003", "0000002"])
        XCTAssertEqual(table.entries.map(\.split), ["train", "train", "test"])
        XCTAssertEqual(table.entries[1].position, .geographic(latitude: 43, longitude: -83), "the ground position of row 3")
        let reread = try GPSTable(
            contentsOf: {
                let u = dir.file("gps.csv"); try table.csv.write(to: u, atomically: true, encoding: .utf8); return u
            }())
        XCTAssertEqual(reread.entries, table.entries, "the table survives its own CSV")

        try "41.1,-81.1,41.0,-81.0,0\n".write(to: root.appendingPathComponent(CVUSADataset.locationList), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CVUSADataset(root: root).locations()) {
            XCTAssertTrue("\($0)".contains("pair 0000003 has no row in the location list"), "\($0)")
        }
    }
}
