import Foundation
import GeoKit
import XCTest

/// CVACT read from a generated copy of its published layout (ACT_data.mat, ANU_data_small/, ANU_data_test/).
final class CVACTDatasetTests: XCTestCase {
    private func world(_ dir: TemporaryDirectory) throws -> (URL, [SynthLocation]) {
        let root = dir.file("cvact")
        return (root, try writeTinyWorld(.cvact, locations: 10, seed: 5, to: root))
    }

    func testTheSplitsUTMAndImagesAreReadAsPublished() throws {
        let dir = try TemporaryDirectory("geokit-cvact")
        let (root, plan) = try world(dir)
        let writer = SynthWriter(
            options: {
                var o = SynthOptions(); o.layout = .cvact; return o
            }(), root: root)
        let trainIDs = plan.filter { $0.split == .train }.map(writer.identifier), testIDs = plan.filter { $0.split == .test }.map(writer.identifier)
        XCTAssertEqual(trainIDs.first?.count, 22, "CVACT's ids are 22 characters")

        let val = try CVACTDataset(root: root, evaluation: .val)
        XCTAssertEqual(val.train.map(\.id), trainIDs)
        XCTAssertEqual(val.test.map(\.id), testIDs)
        XCTAssertEqual(val.skipped, 0)
        XCTAssertEqual(val.test[0].ground.path, root.appendingPathComponent("ANU_data_small/streetview/\(testIDs[0])_grdView.jpg").path)
        XCTAssertEqual(val.train[0].aerial.path, root.appendingPathComponent("ANU_data_small/satview_polish/\(trainIDs[0])_satView_polish.jpg").path)
        let test = try CVACTDataset(root: root, evaluation: .test)
        XCTAssertEqual(test.test.map(\.id), testIDs)
        XCTAssertTrue(test.test.allSatisfy { $0.ground.path.contains("/ANU_data_test/streetview/") }, "CVACT_test is read from ANU_data_test")

        // UTM as written (the synthetic east/north plus a false origin), and the GPS table in training order.
        let first = plan[0]
        XCTAssertEqual(val.utm[trainIDs[0]]!.east, 600_000 + first.east, accuracy: 1e-6)
        XCTAssertEqual(val.utm[trainIDs[0]]!.north, 6_090_000 + first.north, accuracy: 1e-6)
        let table = val.locations
        XCTAssertEqual(table.entries.filter { $0.split == "train" }.map(\.id), trainIDs)
        let near = table.neighbours(split: "train", range: 1)
        let trainPlan = plan.filter { $0.split == .train }
        for (a, neighbour) in near.enumerated() {
            let nearest = trainPlan.indices.filter { $0 != a }.min {
                hypot(trainPlan[$0].east - trainPlan[a].east, trainPlan[$0].north - trainPlan[a].north)
                    < hypot(trainPlan[$1].east - trainPlan[a].east, trainPlan[$1].north - trainPlan[a].north)
            }
            XCTAssertEqual(neighbour, [nearest!], "location \(a)'s nearest by UTM distance")
        }
    }

    func testIdsWithAMissingImageAreSkippedAndCounted() throws {
        let dir = try TemporaryDirectory("geokit-cvact-missing")
        let (root, _) = try world(dir)
        let before = try CVACTDataset(root: root)
        try FileManager.default.removeItem(at: before.train[2].ground)
        try FileManager.default.removeItem(at: before.test[0].aerial)
        let after = try CVACTDataset(root: root)
        XCTAssertEqual(after.skipped, 2)
        XCTAssertEqual(after.train.map(\.id), before.train.map(\.id).enumerated().filter { $0.offset != 2 }.map(\.element))
        XCTAssertEqual(after.test.count, before.test.count - 1)
    }

    func testABrokenTableIsOneError() throws {
        let dir = try TemporaryDirectory("geokit-cvact-bad")
        let ids: MATValue = .text(["a", "b"]), utm: MATValue = .numeric(dims: [2, 2], values: [0, 1, 0, 1])
        func set(_ field: String, _ values: [Double]) -> MATValue {
            .structure(dims: [1, 1], fields: [field: [.numeric(dims: [values.count, 1], values: values)]])
        }
        let cases: [(String, [(name: String, value: MATValue)], String)] = [
            (
                "index out of range", [("panoIds", ids), ("utm", utm), ("trainSet", set("trainInd", [1, 3])), ("valSet", set("valInd", [2]))],
                "holds 3.0, not a 1-based index"
            ),
            ("no valSet", [("panoIds", ids), ("utm", utm), ("trainSet", set("trainInd", [1]))], "no readable variable 'valSet'"),
            (
                "utm of the wrong size",
                [
                    ("panoIds", ids), ("utm", .numeric(dims: [3, 2], values: [0, 0, 0, 0, 0, 0])), ("trainSet", set("trainInd", [1])),
                    ("valSet", set("valInd", [2]))
                ], "expected 2 x 2"
            ),
            ("ids are numbers", [("panoIds", utm), ("utm", utm), ("trainSet", set("trainInd", [1])), ("valSet", set("valInd", [2]))], "not a list of ids"),
            (
                "wrong field", [("panoIds", ids), ("utm", utm), ("trainSet", set("trainIndex", [1])), ("valSet", set("valInd", [2]))],
                "trainSet.trainInd is missing"
            )
        ]
        for (name, variables, message) in cases {
            let root = dir.file(name)
            try MATFile.write(variables, to: root.appendingPathComponent("ACT_data.mat"))
            XCTAssertThrowsError(try CVACTDataset(root: root), name) { XCTAssertTrue("\($0)".contains(message), "\(name): \($0)") }
        }
        XCTAssertThrowsError(try CVACTDataset(root: dir.file("nothing-here"))) { XCTAssertTrue("\($0)".contains("not a CVACT root"), "\($0)") }
    }
}
