import GeoKit
import XCTest

final class NormTests: XCTestCase {
    /// The cases of BATCH_NORM_CASES in Tests/reference/fixtures_conv_ops.py.
    static let batchNormCases: [(name: String, affine: Bool, running: Bool, training: Bool)] = [
        ("bn_train_2d", true, true, true), ("bn_train_1d", true, true, true), ("bn_train_flat", true, true, true),
        ("bn_train_plain", false, false, true), ("bn_eval_2d", true, true, false)
    ]

    func testBatchNormMatchesPyTorch() throws {
        let f = try Fixture("conv_ops")
        for c in Self.batchNormCases {
            let x = try f.tensor("\(c.name)/x0").requiringGrad()
            let w = c.affine ? try f.tensor("\(c.name)/x1").requiringGrad() : nil
            let b = c.affine ? try f.tensor("\(c.name)/x2").requiringGrad() : nil
            let rm = c.running ? try f.tensor("\(c.name)/rm0").copy() : nil
            let rv = c.running ? try f.tensor("\(c.name)/rv0").copy() : nil
            let y = x.batchNorm(weight: w, bias: b, runningMean: rm, runningVar: rv, training: c.training)
            assertClose(y, try f.tensor("\(c.name)/y"), tolerance: 1e-5, c.name)
            y.backward(try f.tensor("\(c.name)/gy"))
            assertClose(x.grad!, try f.tensor("\(c.name)/gx0"), tolerance: 1e-5, "\(c.name) grad input")
            if let w, let b {
                assertClose(w.grad!, try f.tensor("\(c.name)/gx1"), tolerance: 1e-5, "\(c.name) grad weight")
                assertClose(b.grad!, try f.tensor("\(c.name)/gx2"), tolerance: 1e-5, "\(c.name) grad bias")
            }
            if let rm, let rv {
                assertClose(rm, try f.tensor("\(c.name)/rm1"), tolerance: 1e-6, "\(c.name) running mean")
                assertClose(rv, try f.tensor("\(c.name)/rv1"), tolerance: 1e-6, "\(c.name) running var")
            }
        }
    }

    func testBatchNormGradientsFiniteDifference() {
        for (shape, training) in [([4, 3, 3, 5], true), ([5, 2, 4], true), ([6, 3], true), ([3, 2, 3, 4], false)] {
            let c = shape[1]
            let x = randomDouble(shape, seed: 1, scale: 2), w = randomDouble([c], seed: 2), b = randomDouble([c], seed: 3)
            let rm = randomDouble([c], seed: 4), rv = Tensor.full(0.7, shape: [c], dtype: .float64)
            assertGradientsMatch([x, w, b]) {
                $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: rm, runningVar: rv, training: training)
            }
            assertGradientsMatch([randomDouble(shape, seed: 5)]) {
                $0[0].batchNorm(
                    weight: nil, bias: nil, runningMean: training ? nil : rm, runningVar: training ? nil : rv,
                    training: training)
            }
        }
    }

    /// The one-pass statistics must not lose the variance of float32 data far from zero
    /// (momentum 1 makes the running statistics the batch mean and unbiased variance).
    func testBatchNormStatisticsOfOffsetFloat32Data() {
        let data = (randomDouble([8, 2, 16, 16], seed: 6) * 0.01 + 1000).to(.float32)
        let mean = Tensor.zeros([2]), variance = Tensor.zeros([2])
        _ = data.batchNorm(weight: nil, bias: nil, runningMean: mean, runningVar: variance, training: true, momentum: 1)
        let exact = data.to(.float64).reshaped([8, 2, 256])
        let exactMean = exact.mean(axes: [0, 2], keepDims: true)
        let exactVariance = ((exact - exactMean) * (exact - exactMean)).sum(axes: [0, 2]) / Double(8 * 256 - 1)
        assertClose(mean, exactMean.reshaped([2]), tolerance: 1e-7, "mean")
        assertClose(variance, exactVariance, tolerance: 1e-5, "variance")
    }

    func testBatchNormEvalLeavesRunningStatisticsAlone() {
        let rm = Tensor([0.5, -1] as [Float], shape: [2]), rv = Tensor([2, 0.5] as [Float], shape: [2])
        _ = Tensor.randn([3, 2, 4], seed: 7).batchNorm(weight: nil, bias: nil, runningMean: rm, runningVar: rv, training: false)
        XCTAssertEqual(rm.scalars(as: Float.self), [0.5, -1])
        XCTAssertEqual(rv.scalars(as: Float.self), [2, 0.5])
    }

    func testLayerNormMatchesPyTorch() throws {
        let f = try Fixture("conv_ops")
        for (name, axis, affine) in [("ln_last", -1, true), ("ln_last_plain", -1, false), ("ln_channels_first", 1, true)] {
            let x = try f.tensor("\(name)/x0").requiringGrad()
            let w = affine ? try f.tensor("\(name)/x1").requiringGrad() : nil
            let b = affine ? try f.tensor("\(name)/x2").requiringGrad() : nil
            let y = x.layerNorm(axis: axis, weight: w, bias: b)
            assertClose(y, try f.tensor("\(name)/y"), tolerance: 1e-5, name)
            y.backward(try f.tensor("\(name)/gy"))
            assertClose(x.grad!, try f.tensor("\(name)/gx0"), tolerance: 1e-5, "\(name) grad input")
            if let w, let b {
                assertClose(w.grad!, try f.tensor("\(name)/gx1"), tolerance: 1e-5, "\(name) grad weight")
                assertClose(b.grad!, try f.tensor("\(name)/gx2"), tolerance: 1e-5, "\(name) grad bias")
            }
        }
    }

    func testLayerNormGradientsFiniteDifference() {
        for (shape, axis) in [([2, 3, 6], -1), ([2, 5, 3, 4], 1), ([3, 4, 5], 1)] {
            let c = shape[axis < 0 ? shape.count + axis : axis]
            assertGradientsMatch([randomDouble(shape, seed: 8), randomDouble([c], seed: 9), randomDouble([c], seed: 10)]) {
                $0[0].layerNorm(axis: axis, weight: $0[1], bias: $0[2])
            }
            assertGradientsMatch([randomDouble(shape, seed: 11)]) { $0[0].layerNorm(axis: axis, weight: nil, bias: nil) }
        }
    }
}
