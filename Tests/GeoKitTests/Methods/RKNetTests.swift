import XCTest
import GeoKit

final class RKNetTests: XCTestCase {
    override func setUp() { InTreePlugins.load() }

    func testUSAMMatchesPyTorch() throws {
        for name in ["usam_polish_true", "usam_polish_false", "usam_eval"] {
            let reference = try MethodCase(name)
            try reference.assertModuleMatches(try reference.make(AttentionModule.self, .attention, "usam"))
        }
    }

    func testUSAMKeysAndSchema() throws {
        let usam = try Registry.shared.make(AttentionModule.self, .attention, "usam")
        XCTAssertEqual(usam.stateDict().map(\.name), ["bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"])
        XCTAssertEqual(usam.parameterCount, 2)
        let entry = try Registry.shared.entry(.attention, "usam")
        XCTAssertEqual(entry.parameters.map(\.name), ["polish"])
        XCTAssertEqual(entry.parameters.first?.defaultValue, .bool(true))
    }

    func testUSAMGradientsFiniteDifference() throws {
        for polish in [true, false] {
            let usam = try Registry.shared.make(AttentionModule.self, .attention, "usam", ["polish": .bool(polish)])
            usam.convert(to: .float64)
            let bn = usam.namedParameters().map(\.tensor)
            bn[0].fill(1.3)
            bn[1].fill(0.2)
            assertGradientsMatch([randomDouble([2, 3, 4, 5], seed: 11)] + bn) { usam($0[0]) }
        }
    }
}
