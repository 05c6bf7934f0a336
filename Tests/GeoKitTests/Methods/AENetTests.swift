import Foundation
import GeoKit
import XCTest

final class AENetTests: XCTestCase {
    override func setUp() { InTreePlugins.load() }

    func testTripletAttentionMatchesPyTorch() throws {
        for name in ["triplet", "triplet_eval"] {
            let reference = try MethodCase(name)
            try reference.assertModuleMatches(try reference.make(.attention, "triplet"))
        }
    }

    func testTripletAttentionKeysAndMomentum() throws {
        let triplet = try Registry.shared.make(.attention, "triplet")
        var expected: [String] = []
        for gate in ["ChannelGateH", "ChannelGateW", "SpatialGate"] {
            expected.append("\(gate).spatial.conv.weight")
            expected += ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"].map { "\(gate).spatial.bn.\($0)" }
        }
        XCTAssertEqual(triplet.stateDict().map(\.name), expected)
        for case let bn as BatchNorm in triplet.namedModules().map(\.module) {
            XCTAssertEqual(bn.momentum, 0.01)
            XCTAssertEqual(bn.eps, 1e-5)
        }
    }

    func testTripletAttentionGradientsFiniteDifference() throws {
        let triplet = try Registry.shared.make(.attention, "triplet")
        triplet.convert(to: .float64)
        let conv = triplet.namedParameters().first { $0.name == "ChannelGateW.spatial.conv.weight" }!.tensor
        assertGradientsMatch([randomDouble([2, 3, 4, 5], seed: 31), conv]) { triplet($0[0]) }
    }

    func testWSMRHardMatchesPyTorch() throws {
        let reference = try MethodCase("wsmr_hard")
        try reference.assertLossMatches(try reference.make(.loss, "wsmr_hard"))
    }

    func testMHNWMatchesPyTorch() throws {
        for name in ["mhnw", "mhnw_symmetric"] {
            let reference = try MethodCase(name)
            try reference.assertLossMatches(try reference.make(.loss, "mhnw"))
        }
    }

    /// The fixture batch exercises every branch: anchors with no, one and several hard negatives.
    func testMHNWFixtureCoversEveryHardSetSize() throws {
        let fixture = try Fixture("methods")
        for key in ["mhnw/hard_counts", "mhnw_symmetric/hard_counts_satellite"] {
            let counts = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(XCTUnwrap(fixture.metadata(key)).utf8)) as? [Int])
            XCTAssertTrue(counts.contains(0) && counts.contains(1) && counts.contains { $0 > 1 }, "\(key) \(counts)")
        }
    }

    func testWSMRHardGradientsFiniteDifference() throws {
        // The fixture batch keeps every negative distance 0.02 away from its positive one,
        // so the hardest negatives do not change under the finite-difference steps.
        let reference = try MethodCase("mhnw")
        let query = try reference.tensor("x0").to(.float64), satellite = try reference.tensor("x1").to(.float64)
        let loss = try Registry.shared.make(.loss, "wsmr_hard")
        assertGradientsMatch([query, satellite]) { loss.loss(query: $0[0], reference: $0[1]) }
    }

    /// MHNW's weights come from detached distances, so its gradient is that
    /// of the loss with the weights frozen at the evaluation point: the
    /// finite differences are taken of that frozen-weight loss (written out
    /// below from eq. 3.3), the analytic gradient is the component's own.
    func testMHNWGradientsFiniteDifference() throws {
        let reference = try MethodCase("mhnw")
        let query = try reference.tensor("x0").to(.float64), satellite = try reference.tensor("x1").to(.float64)
        for symmetric in [false, true] {
            let mhnw = try Registry.shared.make(.loss, "mhnw", ["symmetric": .bool(symmetric)])
            let frozen = FrozenMHNW(query: query, satellite: satellite, symmetric: symmetric)
            XCTAssertEqual(frozen(query, satellite).item, mhnw.loss(query: query, reference: satellite).item, accuracy: 1e-12)
            assertGradientsMatch([query.copy(), satellite.copy()]) { x in
                let loss = mhnw.loss(query: x[0], reference: x[1])
                return loss + (frozen(x[0], x[1]) - loss).detached()
            }
        }
    }
}

/// Eq. 3.3 with every anchor's coefficients fixed at one batch: the
/// weights w_i for anchors with several hard negatives, else 1 on the
/// hardest negative. Away from the hard-set boundary this is MHNW's value
/// near that batch, with its weights held constant.
private struct FrozenMHNW {
    let coefficients: [Tensor]
    let alpha = 10.0

    init(query: Tensor, satellite: Tensor, symmetric: Bool) {
        let d = FrozenMHNW.distances(query, satellite)
        let n = query.shape[0]
        let values = d.scalars(as: Double.self)
        let transposed = (0..<(n * n)).map { values[($0 % n) * n + $0 / n] }
        coefficients = (symmetric ? [values, transposed] : [values]).map { FrozenMHNW.coefficients($0, n: n) }
    }

    static func distances(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (n, features) = (a.shape[0], a.shape[1])
        let difference = a.reshaped([n, 1, features]) - b.reshaped([1, n, features])
        return (difference * difference).sum(axes: [2]).sqrt()
    }

    static func coefficients(_ d: [Double], n: Int) -> Tensor {
        var c = [Double](repeating: 0, count: n * n)
        for a in 0..<n {
            let positive = d[a * n + a]
            let negatives = (0..<n).filter { $0 != a }
            let hard = negatives.filter { d[a * n + $0] < positive }
            if hard.count > 1 {
                let gaps = hard.map { positive - d[a * n + $0] }
                for (j, gap) in zip(hard, gaps) { c[a * n + j] = gap / gaps.max()! }
            } else {
                c[a * n + negatives.min { d[a * n + $0] < d[a * n + $1] }!] = 1
            }
        }
        return Tensor(c, shape: [n, n])
    }

    func callAsFunction(_ query: Tensor, _ satellite: Tensor) -> Tensor {
        let d = FrozenMHNW.distances(query, satellite)
        let n = query.shape[0]
        let directions = [d, d.transposed(0, 1)].prefix(coefficients.count)
        let losses = zip(directions, coefficients).map { d, c in
            (((d.diagonal().reshaped([n, 1]) - d) * alpha).softplus() * c).sum() * (1 / Double(n))
        }
        return losses.count == 1 ? losses[0] : (losses[0] + losses[1]) * 0.5
    }
}
