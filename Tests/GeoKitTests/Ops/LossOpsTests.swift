import GeoKit
import XCTest

final class LossOpsTests: XCTestCase {
    static let cases: [(String, (Tensor) -> Tensor)] = [
        ("softmax_axis1", { $0.softmax(axis: 1) }),
        ("softmax_axism1", { $0.softmax(axis: -1) }),
        ("log_softmax_axis1", { $0.logSoftmax(axis: 1) }),
        ("log_softmax_axism1", { $0.logSoftmax(axis: -1) }),
        ("normalize_axis1", { $0.l2Normalized() }),
        ("normalize_zero_row", { $0.l2Normalized(axis: 1) }),
        ("normalize_clamped", { $0.l2Normalized(axis: -1, eps: 0.5) })
    ]

    func testMatchPyTorch() throws {
        let fixture = try TensorOpsFixture()
        for (name, op) in Self.cases {
            try fixture.check(name) { op($0[0]) }
        }
    }

    func testCrossEntropyMatchesPyTorch() throws {
        let fixture = try TensorOpsFixture()
        for (name, smoothing) in [("cross_entropy", 0.0), ("cross_entropy_smooth", 0.1)] {
            let targets = try fixture.integers("\(name)/x1")
            try fixture.check(name) { $0[0].crossEntropy(targets: targets, labelSmoothing: smoothing) }
        }
    }

    func testZeroRowNormalisesToZeros() throws {
        let x = Tensor([0, 0, 0, 3, 4, 0] as [Float], shape: [2, 3])
        XCTAssertEqual(x.l2Normalized().scalars(as: Float.self), [0, 0, 0, 0.6, 0.8, 0])
    }

    func testGradientsFiniteDifference() {
        let x = randomDouble([2, 3, 4, 5], seed: 40, scale: 2)
        for (name, op) in Self.cases where !name.hasPrefix("normalize_") || name == "normalize_axis1" {
            labellingFailures(name) { assertGradientsMatch([x]) { op($0[0]) } }
        }
        assertGradientsMatch([x]) { $0[0].l2Normalized(axis: 3) }
        // Rows with norms well below and well above eps exercise both branches of the clamp.
        let rows = Tensor(zeros: [5, 3], dtype: .float64)
        let scales = [0.1, 2, 0.2, 1.5, 0.05]
        rows.fill { i in Double(((i * 7919) % 1009)) / 1009 * scales[i / 3] * (i % 2 == 0 ? 1 : -1) + 1e-3 }
        assertGradientsMatch([rows]) { $0[0].l2Normalized(axis: -1, eps: 0.5) }

        let logits = randomDouble([6, 5], seed: 42, scale: 2)
        let targets = [0, 4, 2, 2, 1, 3]
        assertGradientsMatch([logits]) { $0[0].crossEntropy(targets: targets) }
        assertGradientsMatch([logits]) { $0[0].crossEntropy(targets: targets, labelSmoothing: 0.1) }
    }

    func testLogSoftmaxIsStableForHugeLogits() {
        let x = Tensor([1000, 0, -1000] as [Float], shape: [1, 3])
        let y = x.logSoftmax(axis: 1).scalars(as: Float.self)
        XCTAssertEqual(y[0], 0, accuracy: 1e-6)
        XCTAssertEqual(y[1], -1000, accuracy: 1e-3)
        XCTAssertEqual(x.softmax(axis: 1).scalars(as: Float.self), [1, 0, 0])
    }

    func testDropoutGradientsFiniteDifference() {
        // A fresh fixed-seed generator per call makes the mask, and so the function, deterministic.
        assertGradientsMatch([randomDouble([4, 6], seed: 43)]) { xs in
            var generator = RandomGenerator(seed: 3)
            return xs[0].dropout(0.3, training: true, generator: &generator)
        }
        assertGradientsMatch([randomDouble([4, 2, 3], seed: 44)]) { xs in
            var generator = RandomGenerator(seed: 4)
            return xs[0].dropPath(0.5, training: true, generator: &generator)
        }
    }

    func testDropoutStatistics() {
        for dtype in [DType.float32, .float64] {
            let p = 0.3, scale = 1 / (1 - p)
            var generator = RandomGenerator(seed: 5)
            let x = Tensor.uniform([200, 500], low: 0.5, high: 1.5, dtype: dtype, generator: &generator).requiringGrad()
            let y = x.dropout(p, training: true, generator: &generator)
            let xs = x.scalars(as: Double.self), ys = y.scalars(as: Double.self)
            let zeros = ys.filter { $0 == 0 }.count
            XCTAssertEqual(Double(zeros) / Double(ys.count), p, accuracy: 0.01, "\(dtype) fraction dropped")
            XCTAssertEqual(
                ys.reduce(0, +) / Double(ys.count), xs.reduce(0, +) / Double(xs.count), accuracy: 0.02,
                "\(dtype) mean preserved")
            y.backward(Tensor.ones(y.shape, dtype: dtype))
            let grads = x.grad!.scalars(as: Double.self)
            for i in 0..<ys.count {
                let kept = ys[i] != 0
                if kept { XCTAssertEqual(ys[i], xs[i] * scale, accuracy: 1e-5 * ys[i]) }
                guard abs(grads[i] - (kept ? scale : 0)) < 1e-5 else {
                    return XCTFail("\(dtype) element \(i): gradient \(grads[i]) is not the mask times \(scale)")
                }
            }
        }
    }

    func testDropPathDropsWholeSamples() {
        let p = 0.25, scale = 1 / (1 - p), samples = 4000, perSample = 6
        var generator = RandomGenerator(seed: 6)
        let x = Tensor.uniform([samples, 2, 3], low: 0.5, high: 1.5, generator: &generator).requiringGrad()
        let y = x.dropPath(p, training: true, generator: &generator)
        y.backward(Tensor.ones(y.shape))
        let xs = x.scalars(as: Double.self), ys = y.scalars(as: Double.self), grads = x.grad!.scalars(as: Double.self)
        var dropped = 0
        for s in 0..<samples {
            let range = (s * perSample)..<((s + 1) * perSample)
            let kept = ys[range.lowerBound] != 0
            if !kept { dropped += 1 }
            for i in range {
                XCTAssertEqual(ys[i], kept ? xs[i] * scale : 0, accuracy: 1e-5)
                XCTAssertEqual(grads[i], kept ? scale : 0, accuracy: 1e-5)
            }
        }
        XCTAssertEqual(Double(dropped) / Double(samples), p, accuracy: 0.03)
        XCTAssertEqual(ys.reduce(0, +) / Double(ys.count), xs.reduce(0, +) / Double(xs.count), accuracy: 0.04)
    }

    func testDropoutIsIdentityWhenOffAndReproducibleFromItsSeed() {
        let x = Tensor.randn([3, 4], seed: 7)
        var generator = RandomGenerator(seed: 8)
        XCTAssertTrue(x.dropout(0.5, training: false, generator: &generator) === x)
        XCTAssertTrue(x.dropout(0, training: true, generator: &generator) === x)
        XCTAssertTrue(x.dropPath(0.5, training: false, generator: &generator) === x)
        XCTAssertEqual(x.dropout(1, training: true, generator: &generator).scalars(as: Float.self), [Float](repeating: 0, count: 12))
        var first = RandomGenerator(seed: 9), second = RandomGenerator(seed: 9)
        XCTAssertEqual(
            x.dropout(0.5, training: true, generator: &first).scalars(as: Float.self),
            x.dropout(0.5, training: true, generator: &second).scalars(as: Float.self))
    }
}
