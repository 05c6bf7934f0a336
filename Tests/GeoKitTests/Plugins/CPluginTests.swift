import Foundation
import GeoKit
import XCTest

/// The C example plugin (a squeeze-and-excitation gate in C) built with
/// `cc` from geokit.h, loaded, and run inside the host's autograd.
final class CPluginTests: XCTestCase {
    /// A c_se whose hidden units are all active for inputs near zero (a
    /// positive fc1.bias), so every term of the backward is exercised.
    private func makeSE(channels: Int = 6, reduction: Int = 2) throws -> CAttention {
        _ = try PluginTestSupport.cExamplePlugin.get()
        let module = try Registry.shared.make(
            .attention, "c_se",
            ["channels": .int(channels), "reduction": .int(reduction)])
        let se = try XCTUnwrap(module as? CAttention)
        noGrad { se.stateDict()[1].tensor.fill { 0.4 + 0.1 * Double($0) } }
        return se
    }

    /// The reference: the same block written with the kernel's own ops.
    private func reference(_ x: Tensor, _ w: [String: Tensor]) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let z = x.mean(axes: [2, 3])
        let h = z.linear(weight: w["fc1.weight"]!, bias: w["fc1.bias"]!).relu()
        let s = h.linear(weight: w["fc2.weight"]!, bias: w["fc2.bias"]!).sigmoid()
        return x * s.reshaped([n, c, 1, 1])
    }

    func testTheExampleBuildsWithCCAloneAndLinksNoGeoKitLibrary() throws {
        let library = try PluginTestSupport.cExamplePlugin.get()
        let dynamic = try PluginTestSupport.tool("readelf", ["-d", library.path])
        XCTAssertEqual(dynamic.status, 0, dynamic.stderr)
        XCTAssertFalse(dynamic.stdout.contains("GeoKit"), "the C plugin must not link a GeoKit library:\n\(dynamic.stdout)")
    }

    func testItIsRegisteredWithItsDeclaredSignatureAndDocs() throws {
        let library = try PluginTestSupport.cExamplePlugin.get()
        let entry = try Registry.shared.entry(.attention, "c_se")
        XCTAssertEqual(entry.source, library.resolvingSymlinksInPath().path)
        XCTAssertTrue(entry.summary.hasPrefix("Squeeze-and-excitation"))
        XCTAssertEqual(entry.parameters.map(\.name), ["channels", "reduction"])
        XCTAssertEqual(entry.parameters.map(\.defaultValue), [.int(64), .int(16)])
        XCTAssertEqual(entry.parameters.map(\.doc), ["input channels C", "the hidden layer has max(1, C / reduction) units"])
    }

    func testWeightsAreKernelOwnedUnderTheirDeclaredNames() throws {
        let se = try makeSE(channels: 6, reduction: 2)
        XCTAssertEqual(se.stateDict().map(\.name), ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"])
        XCTAssertEqual(se.stateDict().map(\.tensor.shape), [[3, 6], [3], [6, 3], [6]])
        XCTAssertEqual(se.parameterCount, 3 * 6 + 3 + 6 * 3 + 6)
        // Initialised by the kernel like torch's nn.Linear: uniform in +-1/sqrt(fan_in).
        for entry in [se.stateDict()[0], se.stateDict()[2]] {
            let values = entry.tensor.scalars(as: Double.self)
            let fanIn = Double(entry.tensor.shape[1])
            XCTAssertTrue(values.allSatisfy { abs($0) <= 1 / fanIn.squareRoot() } && Set(values).count > 1, entry.name)
        }
    }

    func testForwardAndBackwardMatchTheBlockWrittenWithKernelOps() throws {
        let se = try makeSE(channels: 6, reduction: 2)
        let x = Tensor.randn([2, 6, 3, 4], seed: 7).requiringGrad()
        let gy = Tensor.randn([2, 6, 3, 4], seed: 8)
        let y = se(x)
        y.backward(gy)
        let weights = Dictionary(uniqueKeysWithValues: se.namedParameters().map { ($0.name, $0.tensor) })
        let gradients = weights.mapValues { $0.grad! }
        for w in weights.values { w.zeroGrad() }
        let x2 = x.copy().requiringGrad()
        let expected = reference(x2, weights)
        expected.backward(gy)
        XCTAssertEqual(y.shape, x.shape)
        assertClose(y, expected, 1e-6)
        assertClose(x.grad!, x2.grad!, 1e-5)
        for (name, w) in weights { assertClose(gradients[name]!, w.grad!, 1e-5, name) }
    }

    /// The SE block on numbers small enough to follow by hand: C = 2, one
    /// hidden unit, x = [[1, 3], [2, 2]] (one row per channel). z = mean = (2, 2);
    /// h = relu(1*2 - 1*2 + 0.5) = 0.5; s = sigmoid(2*0.5 + 0, -1*0.5 + 1) =
    /// (sigmoid(1), sigmoid(0.5)); y = x * s per channel. Backward of sum(y):
    /// dx[c, k] = s_c + (sum_k x[c, k]) s_c (1 - s_c) fc2[c] relu'(.) fc1[c] / 2.
    func testTheSEBlockMatchesAHandComputation() throws {
        let se = try makeSE(channels: 2, reduction: 2)
        let values: [String: [Float]] = ["fc1.weight": [1, -1], "fc1.bias": [0.5], "fc2.weight": [2, -1], "fc2.bias": [0, 1]]
        for (name, w) in se.namedParameters() { noGrad { w.fill { Double(values[name]![$0]) } } }
        let x = Tensor([1, 3, 2, 2] as [Float], shape: [1, 2, 1, 2]).requiringGrad()
        let y = se(x)
        let s = [1 / (1 + exp(-1.0)), 1 / (1 + exp(-0.5))]
        let expected = [1 * s[0], 3 * s[0], 2 * s[1], 2 * s[1]]
        for (got, want) in zip(y.scalars(as: Double.self), expected) { XCTAssertEqual(got, want, accuracy: 1e-6) }

        y.sum().backward()
        // d sum(y) / d z_c' through h: sum_c (sum_k x[c, k]) s_c (1 - s_c) fc2[c] * fc1[c'] (h > 0).
        let through = (4 * s[0] * (1 - s[0]) * 2) + (4 * s[1] * (1 - s[1]) * -1)
        let dz = [through * 1, through * -1]
        let expectedGrad = [s[0] + dz[0] / 2, s[0] + dz[0] / 2, s[1] + dz[1] / 2, s[1] + dz[1] / 2]
        for (got, want) in zip(x.grad!.scalars(as: Double.self), expectedGrad) { XCTAssertEqual(got, want, accuracy: 1e-6) }
        let fc2Grad = se.namedParameters().first { $0.name == "fc2.weight" }!.tensor.grad!.scalars(as: Double.self)
        XCTAssertEqual(fc2Grad[0], 4 * s[0] * (1 - s[0]) * 0.5, accuracy: 1e-6)
        XCTAssertEqual(fc2Grad[1], 4 * s[1] * (1 - s[1]) * 0.5, accuracy: 1e-6)
    }

    func testFloat64GradientsThroughTheCBackwardMatchFiniteDifferences() throws {
        let se = try makeSE(channels: 5, reduction: 2)
        se.convertParameters(to: .float64)
        let weights = se.parameters()
        XCTAssertTrue(weights.allSatisfy { $0.dtype == .float64 })
        let x = randomDouble([2, 5, 3, 3], seed: 11)
        assertGradientsMatch([x] + weights) { inputs in se(inputs[0]) }
    }

    func testFloat32WeightsReceiveGradientsFromAFloat64Call() throws {
        let se = try makeSE(channels: 4, reduction: 2)
        let x = randomDouble([1, 4, 2, 2], seed: 3).requiringGrad()
        se(x).sum().backward()
        for (name, w) in se.namedParameters() {
            XCTAssertEqual(w.grad?.dtype, .float32, name)
            XCTAssertEqual(w.grad?.shape, w.shape, name)
        }
    }

    func testAnSGDStepChangesTheCPluginsWeights() throws {
        let se = try makeSE(channels: 6, reduction: 3)
        let before = se.stateDict().map { $0.tensor.copy() }
        let sgd = SGD(parameters: se.parameters(), learningRate: 0.5)
        let x = Tensor.randn([3, 6, 4, 4], seed: 5)
        let target = Tensor.randn([3, 6, 4, 4], seed: 6)
        let loss = { ((se(x) - target) * (se(x) - target)).mean() }
        let initial = loss()
        initial.backward()
        sgd.step()
        for (entry, old) in zip(se.stateDict(), before) {
            let change = zip(entry.tensor.scalars(as: Double.self), old.scalars(as: Double.self)).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(change, 0, "\(entry.name) did not change under the SGD step")
        }
        XCTAssertLessThan(noGrad { loss().item }, initial.item)
    }

    func testWeightsLoadFromAStateDict() throws {
        let se = try makeSE(channels: 4, reduction: 2)
        let values = Dictionary(uniqueKeysWithValues: se.stateDict().map { ($0.name, $0.tensor.fullLike(0.25)) })
        try se.loadStateDict(values)
        XCTAssertEqual(se.stateDict()[0].tensor.scalars(as: Double.self), Array(repeating: 0.25, count: 8))
    }

    func testTheConstructorsOwnRefusalIsAClearError() throws {
        _ = try PluginTestSupport.cExamplePlugin.get()
        XCTAssertThrowsError(try Registry.shared.make(.attention, "c_se", ["channels": .int(0)])) { error in
            XCTAssertTrue("\(error)".contains("c_se_create returned no component: c_se needs channels > 0 and reduction > 0"), "\(error)")
        }
    }

    private func assertClose(
        _ a: Tensor, _ b: Tensor, _ tolerance: Double, _ what: String = "",
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
        let worst = zip(a.scalars(as: Double.self), b.scalars(as: Double.self)).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThan(worst, tolerance, what, file: file, line: line)
    }
}
