import GeoKit
import XCTest

/// The retrieval strip: the query and its top 5 as six tiles, the true one framed in green, distances in metres.
final class RetrievalPictureTests: XCTestCase {
    private func tile(_ value: UInt8, width: Int = 64, height: Int = 64) -> Image {
        Image(height: height, width: width, channels: 3, value: value)
    }

    private func row(trueAt: Int?) -> RetrievalPicture.Row {
        let hits = (1...5).map { rank in
            RetrievalPicture.Hit(
                image: tile(UInt8(40 * rank)), rank: rank, distance: 0.1 * Double(rank), isTrue: rank == trueAt,
                metres: Double(rank - 1) * 150)
        }
        return RetrievalPicture.Row(query: tile(30, width: 256, height: 64), caption: "query 0001", hits: hits)
    }

    func testTheTopFiveStripHasSixTilesAndFramesTheTrueReference() throws {
        let image = try ImageChecks.throughPNG(RetrievalPicture(rows: [row(trueAt: 2)]).png())
        let centre = Int(RetrievalPicture.gap + 16 + RetrievalPicture.tileHeight / 2)
        XCTAssertEqual(ImageChecks.runs(image, row: centre), 6, "query + 5 references along the tiles' middle row")
        XCTAssertEqual(image.height, Int(RetrievalPicture.gap + 16 + RetrievalPicture.tileHeight + 16 + RetrievalPicture.gap))
        // The query at its 4:1 aspect capped at 3:1, then five square tiles, each followed by a gap.
        XCTAssertEqual(image.width, Int(RetrievalPicture.gap + (3 + 5) * RetrievalPicture.tileHeight + 6 * RetrievalPicture.gap))
        let green: (UInt8, UInt8, UInt8) = (20, 160, 60)
        XCTAssertGreaterThan(ImageChecks.pixels(image, near: green), 4 * 100, "a 4-pixel green frame around one tile")
        let none = try ImageChecks.throughPNG(RetrievalPicture(rows: [row(trueAt: nil)]).png())
        XCTAssertLessThan(ImageChecks.pixels(none, near: green), 10, "no true reference among the hits, no frame")
        XCTAssertEqual(ImageChecks.runs(none, row: centre), 6)
    }

    func testTwoRowsAreTwiceAsTall() throws {
        let one = RetrievalPicture(rows: [row(trueAt: 1)]).png(), two = RetrievalPicture(rows: [row(trueAt: 1), row(trueAt: 3)]).png()
        XCTAssertEqual(two.height - one.height, Int(16 + RetrievalPicture.tileHeight + 16 + RetrievalPicture.gap))
    }

    func testGroundDistanceIsTheGreatCircleDistance() {
        // One thousandth of a degree of latitude is 111.2 m anywhere; of longitude at 60 degrees, half that.
        XCTAssertEqual(GPSTable.haversineMetres(40, 10, 40.001, 10), 111.195, accuracy: 0.01)
        XCTAssertEqual(GPSTable.haversineMetres(60, 10, 60, 10.001), 55.597, accuracy: 0.01)
        XCTAssertEqual(GPSTable.haversineMetres(1, 2, 1, 2), 0)
    }
}
