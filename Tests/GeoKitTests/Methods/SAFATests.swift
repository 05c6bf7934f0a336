import GeoKit
import XCTest

final class SAFATests: XCTestCase {
    override func setUp() { InTreePlugins.load() }

    func testSAFAMatchesPyTorch() throws {
        let reference = try MethodCase("safa")
        try reference.assertModuleMatches(try reference.make(.aggregator, "safa"))
    }

    /// SAFA's weights fit one map size: another is refused naming both; WSMR needs two pairs.
    func testSAFAAndWSMRCheckTheirInputs() throws {
        let safa = try Registry.shared.make(.aggregator, "safa", ["heads": 2, "height": 3, "width": 4]) as! InputShapeChecking
        XCTAssertNoThrow(try safa.checkInput(shape: [2, 5, 3, 4]))
        XCTAssertThrowsError(try safa.checkInput(shape: [2, 5, 4, 3])) { error in
            XCTAssertEqual((error as? GeoKitError)?.what, "aggregator:safa was built for 3x4 feature maps, got 4x3 maps")
            XCTAssertEqual((error as? GeoKitError)?.remedy, "set height=4 width=3")
        }
        let wsmr = try Registry.shared.make(.loss, "wsmr") as! InputShapeChecking
        XCTAssertNoThrow(try wsmr.checkInput(shape: [2, 8]))
        XCTAssertThrowsError(try wsmr.checkInput(shape: [1, 8])) { error in
            XCTAssertEqual(
                (error as? GeoKitError)?.what,
                "loss:wsmr needs at least 2 pairs in a batch (its negatives come from the batch), got 1")
        }
    }

    func testSAFAKeysShapesAndInitialisation() throws {
        let safa = try Registry.shared.make(.aggregator, "safa", ["heads": .int(8), "height": .int(4), "width": .int(16)])
        let entries = safa.stateDict()
        XCTAssertEqual(entries.map(\.name), ["weights1", "biases1", "weights2", "biases2"])
        XCTAssertEqual(entries.map(\.tensor.shape), [[64, 32, 8], [1, 32, 8], [32, 64, 8], [1, 64, 8]])
        for weights in [entries[0].tensor, entries[2].tensor] {
            let values = weights.scalars(as: Double.self)
            XCTAssertLessThanOrEqual(values.map(abs).max()!, 0.01)
            let std = (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
            XCTAssertEqual(std, 0.005 * 0.88, accuracy: 0.0004)  // a normal cut at 2 std keeps 0.88 of its std
        }
        for biases in [entries[1].tensor, entries[3].tensor] { XCTAssertEqual(Set(biases.scalars(as: Double.self)), [Double(Float(0.1))]) }
        XCTAssertEqual(safa.descriptorSize(channels: 512, height: 4, width: 16), 4096)
    }

    func testSAFAGradientsFiniteDifference() throws {
        let safa = try Registry.shared.make(.aggregator, "safa", ["heads": .int(2), "height": .int(2), "width": .int(3)])
        safa.convert(to: .float64)
        for (k, parameter) in safa.parameters().enumerated() { parameter.assign(randomDouble(parameter.shape, seed: 40 + UInt64(k), scale: 0.5)) }
        assertGradientsMatch([randomDouble([2, 3, 2, 3], seed: 41)] + safa.parameters()) { safa($0[0]) }
    }

    func testWSMRMatchesPyTorch() throws {
        for name in ["wsmr", "wsmr_alpha5"] {
            let reference = try MethodCase(name)
            try reference.assertLossMatches(try reference.make(.loss, "wsmr"))
        }
    }

    func testWSMRGradientsFiniteDifference() throws {
        let wsmr = try Registry.shared.make(.loss, "wsmr")
        let ground = randomDouble([5, 4], seed: 51).l2Normalized(axis: 1), satellite = randomDouble([5, 4], seed: 52).l2Normalized(axis: 1)
        assertGradientsMatch([ground, satellite]) { wsmr.loss(query: $0[0], reference: $0[1]) }
    }
}
