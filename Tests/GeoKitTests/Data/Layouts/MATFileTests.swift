import Foundation
import GeoKit
import XCTest

/// MAT files through libmatio: a file scipy wrote as CVACT's is (character matrix, double arrays, structs),
/// GeoKit's own writer round-trips, and damaged or foreign files end in one GeoKitError, not a crash.
final class MATFileTests: XCTestCase {
    private static let scipyFile = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/cvact/ACT_data.mat")

    func testAFileScipyWroteReadsAsCVACTShipsIt() throws {
        let mat = try MATFile.read(Self.scipyFile, variables: ["panoIds", "utm", "trainSet", "valSet", "valSetAll"])
        // The ids of Tests/reference/fixtures_cvact_mat.py; the short one was padded with blanks in the matrix.
        XCTAssertEqual(mat["panoIds"]?.strings, ["__-DFIFxvZBCn1873qkqXA", "_0CdJZQkvU7PLg6qaUBkfw", "zzLLj2NTVYWs1a3Y-cd1wA", "a_short_id"])
        XCTAssertEqual(
            mat["utm"], .numeric(dims: [4, 2], values: [692000.5, 692100.0, 692200.75, 692300.0, 6090000.25, 6090050.0, 6090100.5, 6090150.0]))
        XCTAssertEqual(mat["trainSet"]?.field("trainInd"), .numeric(dims: [2, 1], values: [1, 3]))
        XCTAssertEqual(mat["trainSet"]?.field("trainLabel")?.numbers, [0, 0])
        XCTAssertEqual(mat["valSet"]?.field("valInd")?.numbers, [2])
        XCTAssertEqual(mat["valSetAll"]?.field("valInd")?.numbers, [2, 4])
    }

    func testWhatGeoKitWritesReadsBack() throws {
        let dir = try TemporaryDirectory("geokit-mat")
        let values: [(name: String, value: MATValue)] = [
            ("ids", .text(["abc", "de", ""])),
            ("m", .numeric(dims: [2, 3], values: [1, 2, 3, 4, 5, 6.5])),
            ("s", .structure(dims: [1, 1], fields: ["a": [.numeric(dims: [1, 1], values: [7])], "b": [.text(["x"])]])),
            ("c", .cell(dims: [1, 2], elements: [.text(["first"]), .text(["second"])]))
        ]
        try MATFile.write(values, to: dir.file("out.mat"))
        let back = try MATFile.read(dir.file("out.mat"), variables: values.map(\.name))
        for (name, value) in values { XCTAssertEqual(back[name], value, name) }
        XCTAssertEqual(back["c"]?.strings, ["first", "second"], "a cell array of character rows reads as strings")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: dir.url.path), ["out.mat"], "no temporary file is left beside it")
    }

    func testDamagedAndForeignFilesAreOneError() throws {
        let dir = try TemporaryDirectory("geokit-mat-bad")
        let real = try Data(contentsOf: Self.scipyFile)
        let cases: [(String, Data, String)] = [
            ("garbage.mat", Data((0..<512).map { UInt8(truncatingIfNeeded: $0 &* 37) }), "not a readable MAT file"),
            ("empty.mat", Data(), "the MAT file is empty"),
            ("truncated.mat", real.prefix(real.count / 2), "no readable variable"),
            ("header-only.mat", real.prefix(128), "no readable variable")
        ]
        for (name, bytes, message) in cases {
            try bytes.write(to: dir.file(name))
            XCTAssertThrowsError(try MATFile.read(dir.file(name), variables: ["panoIds", "utm", "trainSet", "valSet", "valSetAll"]), name) {
                let error = $0 as? GeoKitError
                XCTAssertTrue(error?.description.contains(message) == true, "\(name): \(String(describing: error))")
                XCTAssertTrue(error?.description.contains(dir.file(name).path) == true, "\(name) names the file")
            }
        }
        XCTAssertThrowsError(try MATFile.read(Self.scipyFile, variables: ["panoIds", "nothing"])) {
            XCTAssertTrue("\($0)".contains("no readable variable 'nothing'"), "\($0)")
        }
        XCTAssertThrowsError(try MATFile.read(dir.file("absent.mat"), variables: ["x"])) {
            XCTAssertTrue("\($0)".contains("cannot read the MAT file"), "\($0)")
        }
    }
}
