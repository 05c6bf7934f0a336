import GeoKit
import XCTest

final class InitTests: XCTestCase {
    private func moments(_ t: Tensor) -> (mean: Double, std: Double, min: Double, max: Double) {
        let v = t.scalars(as: Double.self)
        let mean = v.reduce(0, +) / Double(v.count)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)
        return (mean, variance.squareRoot(), v.min()!, v.max()!)
    }

    func testKaimingNormalHasHeStandardDeviation() {
        var g = RandomGenerator(seed: 1)
        let w = Tensor.zeros([256, 64, 3, 3])  // fan in 576, fan out 2304
        Init.kaimingNormal(w, generator: &g)
        var m = moments(w)
        XCTAssertEqual(m.mean, 0, accuracy: 0.002)
        XCTAssertEqual(m.std, (2.0 / 576).squareRoot(), accuracy: 0.01 * (2.0 / 576).squareRoot())
        Init.kaimingNormal(w, mode: .fanOut, nonlinearity: .linear, generator: &g)
        m = moments(w)
        XCTAssertEqual(m.std, (1.0 / 2304).squareRoot(), accuracy: 0.01 * (1.0 / 2304).squareRoot())
    }

    func testKaimingUniformAndXavierUniformBounds() {
        var g = RandomGenerator(seed: 2)
        let w = Tensor.zeros([300, 400])
        Init.kaimingUniform(w, nonlinearity: .leakyRelu(5.0.squareRoot()), generator: &g)
        var m = moments(w)
        let bound = 1 / 400.0.squareRoot()
        XCTAssertLessThanOrEqual(m.max, bound)
        XCTAssertGreaterThanOrEqual(m.min, -bound)
        XCTAssertEqual(m.std, bound / 3.0.squareRoot(), accuracy: 0.01 * bound)

        Init.xavierUniform(w, gain: 2, generator: &g)
        m = moments(w)
        let xavier = 2 * (6.0 / 700).squareRoot()
        XCTAssertLessThanOrEqual(m.max, xavier)
        XCTAssertGreaterThan(m.max, 0.99 * xavier)
        XCTAssertEqual(m.std, xavier / 3.0.squareRoot(), accuracy: 0.01 * xavier)
    }

    func testTruncatedNormalRespectsAbsoluteBounds() {
        var g = RandomGenerator(seed: 3)
        let w = Tensor.zeros([200_000], dtype: .float64)
        // Unit std truncated at ±2: std = sqrt(1 - 2·2φ(2) / (Φ(2) - Φ(-2))) = 0.87962.
        Init.truncatedNormal(w, generator: &g)
        var m = moments(w)
        XCTAssertEqual(m.mean, 0, accuracy: 0.006)
        XCTAssertEqual(m.std, 0.87962, accuracy: 0.005)
        XCTAssertGreaterThanOrEqual(m.min, -2)
        XCTAssertLessThanOrEqual(m.max, 2)
        XCTAssertLessThan(m.min, -1.99)

        // timm's usual call: std 0.02 with bounds ±2 is an untruncated normal.
        Init.truncatedNormal(w, std: 0.02, generator: &g)
        m = moments(w)
        XCTAssertEqual(m.std, 0.02, accuracy: 0.0002)

        // An interval far in the upper tail (rejection sampling would never finish).
        Init.truncatedNormal(w, std: 1, mean: 0, low: 6, high: 6.5, generator: &g)
        m = moments(w)
        XCTAssertGreaterThanOrEqual(m.min, 6)
        XCTAssertLessThanOrEqual(m.max, 6.5)
        // The mean of N(0,1) truncated to [6, 6.5] is 6.1377.
        XCTAssertEqual(m.mean, 6.1377, accuracy: 0.002)
    }

    func testNormalUniformAndConstants() {
        var g = RandomGenerator(seed: 4)
        let w = Tensor.zeros([100_000])
        Init.normal(w, mean: 3, std: 0.5, generator: &g)
        var m = moments(w)
        XCTAssertEqual(m.mean, 3, accuracy: 0.01)
        XCTAssertEqual(m.std, 0.5, accuracy: 0.005)
        Init.uniform(w, low: -1, high: 3, generator: &g)
        m = moments(w)
        XCTAssertEqual(m.mean, 1, accuracy: 0.02)
        XCTAssertGreaterThanOrEqual(m.min, -1)
        XCTAssertLessThan(m.max, 3)
        Init.constant(w, 0.25)
        XCTAssertEqual(Set(w.scalars(as: Float.self)), [0.25])
        Init.ones(w)
        XCTAssertEqual(Set(w.scalars(as: Float.self)), [1])
        Init.zeros(w)
        XCTAssertEqual(Set(w.scalars(as: Float.self)), [0])
    }

    func testSeededGlobalGeneratorMakesInitialisationReproducible() {
        GlobalRandom.seed(42)
        let a = Linear(16, 8)
        GlobalRandom.seed(42)
        let b = Linear(16, 8)
        XCTAssertEqual(a.weight.scalars(as: Float.self), b.weight.scalars(as: Float.self))
        XCTAssertEqual(a.bias!.scalars(as: Float.self), b.bias!.scalars(as: Float.self))
        let bound = Float(1 / 16.0.squareRoot())
        XCTAssertTrue(a.weight.scalars(as: Float.self).allSatisfy { abs($0) <= bound })
        XCTAssertTrue(a.bias!.scalars(as: Float.self).allSatisfy { abs($0) <= bound })
    }

    func testFansFollowTorch() {
        XCTAssertTrue(Init.fans(Tensor.zeros([64, 3, 7, 7])) == (147, 3136))
        XCTAssertTrue(Init.fans(Tensor.zeros([10, 20])) == (20, 10))
    }
}
