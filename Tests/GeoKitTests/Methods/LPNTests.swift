import GeoKit
import XCTest

final class LPNTests: XCTestCase {
    override func setUp() { InTreePlugins.load() }

    /// Both partitions, avg and max, an odd 9x11 map, odd non-square maps
    /// (7x9 with 3 blocks, 5x7 resized), and the small 3x3 and 2x2 maps whose
    /// ring step is 0 on both axes, so they are resized first.
    func testLPNMatchesPyTorch() throws {
        let cases = try Fixture("methods").cases.filter { $0.hasPrefix("lpn_") }
        XCTAssertEqual(cases.count, 11)
        for name in cases {
            let reference = try MethodCase(name)
            try reference.assertModuleMatches(try reference.make(.aggregator, "lpn"))
        }
    }

    func testLPNDescriptorLayout() throws {
        let lpn = try Registry.shared.make(.aggregator, "lpn", ["partition": .string("column"), "blocks": .int(3)])
        XCTAssertEqual(lpn.stateDict().count, 0)
        XCTAssertEqual(lpn.descriptorSize(channels: 5, height: 7, width: 9), 15)
        // A map that is constant per column third: each part is one direction, part-major.
        let x = Tensor.zeros([1, 2, 2, 6])
        x.fill { i in
            let (channel, column) = (i / 12, i % 6)
            return channel == column / 2 % 2 ? 1 : 0
        }
        XCTAssertEqual(lpn(x).scalars(as: Float.self), [1, 0, 0, 1, 1, 0])
    }

    /// The schema's choices refuse the value and list the valid ones.
    func testLPNRejectsUnknownOptions() {
        XCTAssertThrowsError(try Registry.shared.make(.aggregator, "lpn", ["pool": .string("sum")])) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "aggregator:lpn parameter 'pool' must be one of avg, max, got 'sum'")
        }
        XCTAssertThrowsError(try Registry.shared.make(.aggregator, "lpn", settings: ["partition=grid"])) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "aggregator:lpn parameter 'partition' must be one of ring, row, column, got 'grid'")
        }
    }

    /// Which maps LPN refuses: a ring step of zero on one axis only, more columns than the map has.
    func testLPNChecksTheMapItIsGiven() throws {
        func check(_ parameters: [String: ParameterValue], _ shape: [Int]) throws {
            try (Registry.shared.make(.aggregator, "lpn", parameters) as! InputShapeChecking).checkInput(shape: shape)
        }
        XCTAssertNoThrow(try check(["blocks": 4], [1, 2, 9, 11]), "steps (1, 1)")
        XCTAssertNoThrow(try check(["blocks": 4], [1, 2, 3, 3]), "both steps 0: resized")
        XCTAssertThrowsError(try check(["blocks": 4], [1, 2, 7, 9])) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "aggregator:lpn cannot cut a 7x9 map into 4 rings (ring step 0 rows, 1 columns)")
            XCTAssertEqual(
                (error as? GeoKitError)?.remedy,
                "use at most 3 blocks, or a map of at least 8 on both axes, or below that on both (it is then resized)")
        }
        XCTAssertNoThrow(try check(["blocks": 3], [1, 2, 7, 9]), "the largest block count the remedy names works")
        XCTAssertNoThrow(try check(["blocks": 9, "partition": "column"], [1, 2, 3, 9]))
        XCTAssertThrowsError(try check(["blocks": 10, "partition": "column"], [1, 2, 3, 9])) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "aggregator:lpn cannot cut a 3x9 map into 10 columns")
        }
        XCTAssertThrowsError(try check([:], [2, 9, 11])) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "aggregator:lpn takes a non-empty feature map (N, C, H, W), got shape [2, 9, 11]")
        }
    }

    func testLPNGradientsFiniteDifference() throws {
        let shapes: [(String, String, Int, [Int])] = [
            ("ring", "avg", 2, [2, 2, 5, 4]), ("ring", "max", 2, [2, 2, 5, 4]),
            ("ring", "avg", 4, [1, 2, 3, 3]), ("ring", "max", 4, [1, 2, 2, 2]),
            ("column", "avg", 3, [2, 2, 3, 7]), ("column", "max", 3, [2, 2, 3, 7])
        ]
        for (partition, pool, blocks, shape) in shapes {
            let lpn = try Registry.shared.make(
                .aggregator, "lpn",
                ["partition": .string(partition), "pool": .string(pool), "blocks": .int(blocks)])
            // Distinct positive values: no ties for max, and no masked zero wins it.
            let x = randomDouble(shape, seed: 61)
            x.fill { i in 0.5 + Double((i * 37) % 101) / 50 }
            assertGradientsMatch([x]) { lpn($0[0]) }
        }
    }
}
