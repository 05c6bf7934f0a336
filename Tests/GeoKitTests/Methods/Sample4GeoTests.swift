import Foundation
import GeoKit
import XCTest

final class Sample4GeoTests: XCTestCase {
    override func setUp() { InTreePlugins.load() }

    func testInfoNCEMatchesPyTorch() throws {
        let reference = try MethodCase("infonce")
        try reference.assertLossMatches(try reference.make(.loss, "infonce"))
    }

    func testAvgNormMatchesPyTorch() throws {
        let reference = try MethodCase("avgnorm")
        try reference.assertModuleMatches(try reference.make(.aggregator, "avgnorm"))
    }

    func testAvgNormRefusesAMapOfOtherChannelsNamingTheSetting() throws {
        let pooled = try Registry.shared.make(.aggregator, "avgnorm", ["channels": .int(768)])
        XCTAssertThrowsError(try (pooled as! InputShapeChecking).checkInput(shape: [2, 1024, 4, 16])) { error in
            XCTAssertTrue("\(error)".contains("set aggregator.channels"), "\(error)")
        }
    }

    func testInfoNCELogitScaleStartsAtLogInverseTemperature() throws {
        let infonce = try Registry.shared.make(.loss, "infonce")
        let entries = infonce.stateDict()
        XCTAssertEqual(entries.map(\.name), ["logit_scale"])
        XCTAssertEqual(entries[0].tensor.shape, [])
        XCTAssertEqual(entries[0].tensor.item, log(1 / 0.07), accuracy: 1e-6)
        XCTAssertEqual(try Registry.shared.entry(.loss, "infonce").parameters.first?.defaultValue, .double(0.1))
    }

    func testInfoNCEGradientsFiniteDifference() throws {
        let infonce = try Registry.shared.make(.loss, "infonce")
        infonce.convert(to: .float64)
        let scale = infonce.parameters()[0]
        assertGradientsMatch([randomDouble([4, 6], seed: 21), randomDouble([4, 6], seed: 22), scale]) {
            infonce.loss(query: $0[0], reference: $0[1])
        }
    }
}
