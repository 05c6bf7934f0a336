import XCTest
import GeoKit

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
            try reference.assertModuleMatches(try reference.make(Aggregator.self, .aggregator, "lpn"))
        }
    }

    func testLPNDescriptorLayout() throws {
        let lpn = try Registry.shared.make(Aggregator.self, .aggregator, "lpn", ["partition": .string("column"), "blocks": .int(3)])
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

    func testLPNRejectsUnknownOptions() {
        XCTAssertThrowsError(try Registry.shared.make(Aggregator.self, .aggregator, "lpn", ["pool": .string("sum")]))
        XCTAssertThrowsError(try Registry.shared.make(Aggregator.self, .aggregator, "lpn", ["partition": .string("grid")]))
    }

    func testLPNGradientsFiniteDifference() throws {
        let shapes: [(String, String, Int, [Int])] = [
            ("ring", "avg", 2, [2, 2, 5, 4]), ("ring", "max", 2, [2, 2, 5, 4]),
            ("ring", "avg", 4, [1, 2, 3, 3]), ("ring", "max", 4, [1, 2, 2, 2]),
            ("column", "avg", 3, [2, 2, 3, 7]), ("column", "max", 3, [2, 2, 3, 7]),
        ]
        for (partition, pool, blocks, shape) in shapes {
            let lpn = try Registry.shared.make(Aggregator.self, .aggregator, "lpn",
                                               ["partition": .string(partition), "pool": .string(pool), "blocks": .int(blocks)])
            // Distinct positive values: no ties for max, and no masked zero wins it.
            let x = randomDouble(shape, seed: 61)
            x.fill { i in 0.5 + Double((i * 37) % 101) / 50 }
            assertGradientsMatch([x]) { lpn($0[0]) }
        }
    }
}
