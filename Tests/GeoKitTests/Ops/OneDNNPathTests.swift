import GeoKit
import XCTest

@testable import GeoKitCore

/// The oneDNN path (float32 convolution and batch norm on channels-last
/// activations, element-wise ops and sums kept in that layout between them)
/// against the portable path on the same inputs, and the storage rules that
/// make the two layouts one tensor. OpsDifferentialTests compares the two over
/// every differential case; these tests cover what a single op does not: chains
/// that stay channels-last, weights that change between calls, reads and writes
/// of a channels-last tensor through the plain API.
final class OneDNNPathTests: XCTestCase {
    /// Both float32; they differ in summation order and blocking only (the bound is 1e-4 of the element).
    static let tolerance = Tolerance(relative: 1e-4, floor: 1e-5, absolute: 1e-5)

    override func setUpWithError() throws {
        try XCTSkipUnless(OneDNN.isEnabled, "oneDNN is off (GEOKIT_ONEDNN=0 or no CPU engine)")
    }

    /// A residual block with a squeeze-excitation gate: conv, batch norm, relu, conv, batch norm,
    /// gate multiply, residual sum, SiLU, GELU; its output and every gradient on both paths.
    private func block(_ x: Tensor, _ p: [Tensor], training: Bool) -> Tensor {
        let a = x.conv2d(weight: p[0], bias: p[1], padding: 1)
            .batchNorm(weight: p[2], bias: p[3], runningMean: p[4], runningVar: p[5], training: training).relu()
        let b = a.conv2d(weight: p[6], stride: 1, padding: 2, dilation: 2, groups: 2)
            .batchNorm(weight: p[7], bias: p[8], runningMean: p[9], runningVar: p[10], training: training)
        let gate = b.mean(axes: [2, 3], keepDims: true).sigmoid()
        return (b * gate + x).silu().gelu()
    }

    private func parameters() -> [Tensor] {
        let shapes: [[Int]] = [[8, 8, 3, 3], [8], [8], [8], [8], [8], [8, 4, 3, 3], [8], [8], [8], [8]]
        return shapes.enumerated().map { i, shape in
            if i == 5 || i == 10 { return Tensor.full(1.5, shape: shape) }  // running variances
            let t = Tensor.randn(shape, seed: UInt64(10 + i)) * (i == 0 || i == 6 ? 0.2 : 0.5)
            return [4, 5, 9, 10].contains(i) ? t : t.requiringGrad()
        }
    }

    private func compareBlock(training: Bool) {
        let x = Tensor.randn([2, 8, 9, 13], seed: 3)
        func pass() -> (Tensor, [Tensor?], [Tensor]) {
            let p = parameters()
            let input = x.copy().requiringGrad()
            let y = block(input, p, training: training)
            y.backward(Tensor.randn(y.shape, seed: 4))
            return (y.detached(), [input.grad] + p.map(\.grad), [p[4], p[5], p[9], p[10]])
        }
        let (y, gradients, running) = pass()
        let (yRef, gradientsRef, runningRef) = OneDNN.withoutOneDNN { pass() }
        assertTensorClose(y, yRef, Self.tolerance, "block output")
        for (i, (g, gRef)) in zip(gradients, gradientsRef).enumerated() {
            XCTAssertEqual(g == nil, gRef == nil, "gradient \(i)")
            if let g, let gRef { assertTensorClose(g, gRef, Self.tolerance, "gradient \(i)") }
        }
        for (r, rRef) in zip(running, runningRef) { assertTensorClose(r, rRef, Self.tolerance, "running statistics") }
    }

    func testATrainingBlockMatchesThePortablePath() { compareBlock(training: true) }

    func testAnEvaluationBlockMatchesThePortablePath() { compareBlock(training: false) }

    /// The chain's intermediate results stay channels-last: no reorder between oneDNN ops.
    func testActivationsStayChannelsLastBetweenOps() {
        let x = Tensor.randn([2, 4, 6, 6], seed: 1), w = Tensor.randn([4, 4, 3, 3], seed: 2)
        let y = x.conv2d(weight: w, padding: 1)
        XCTAssertTrue(y.isChannelsLast)
        let z = (y.relu() + y) * Tensor.randn([2, 4, 1, 1], seed: 3)
        XCTAssertTrue(z.isChannelsLast)
        XCTAssertTrue(z.batchNorm(weight: nil, bias: nil, runningMean: nil, runningVar: nil, training: true).isChannelsLast)
        XCTAssertTrue(z.maxPool2d(kernel: 2).isChannelsLast)
        XCTAssertTrue(z.permuted([0, 2, 3, 1]).permuted([0, 3, 1, 2]).isChannelsLast)
        XCTAssertTrue((z * 2).isChannelsLast)
        XCTAssertFalse((z * 2).sum().isChannelsLast)
    }

    /// A channels-last tensor reads as NCHW through every plain accessor, and a write through
    /// `pointer` is what the next oneDNN op sees (the channels-last copy is dropped).
    func testPlainAccessSeesAndChangesTheChannelsLastValues() {
        let x = Tensor.randn([2, 3, 4, 5], seed: 1), w = Tensor.randn([3, 3, 1, 1], seed: 2)
        let y = x.conv2d(weight: w)
        let expected = OneDNN.withoutOneDNN { x.conv2d(weight: w) }
        XCTAssertTrue(y.isChannelsLast)
        assertTensorClose(y, expected, Self.tolerance, "read through scalars")
        assertTensorClose(y.reshaped([6, 20]), expected.reshaped([6, 20]), Self.tolerance, "read through a reshape")
        y.pointer(Float.self)[7] = 100
        XCTAssertFalse(y.isChannelsLast)
        let identity = Tensor(zeros: [3, 3, 1, 1])
        for c in 0..<3 { identity.pointer(Float.self)[c * 3 + c] = 1 }
        XCTAssertEqual(y.conv2d(weight: identity).scalars()[7], 100)
    }

    /// A weight changed in place (an optimiser step) is reordered again, not served from the cache.
    func testAWeightChangedInPlaceIsNotServedStale() {
        let x = Tensor.randn([1, 4, 8, 8], seed: 1), w = Tensor.randn([16, 4, 3, 3], seed: 2)
        _ = x.conv2d(weight: w, padding: 1)
        w.assign(w * 3)
        let y = x.conv2d(weight: w, padding: 1)
        let expected = OneDNN.withoutOneDNN { x.conv2d(weight: w, padding: 1) }
        assertTensorClose(y, expected, Self.tolerance, "after the weight changed")
    }

    /// Conv2d.forward at inference (batch norm folded, residual sum and activation as post-ops)
    /// equals the separate calls on the portable path, for every activation; a NaN input stays NaN.
    func testFusedInferenceEqualsTheSeparateCalls() {
        let conv = Conv2d(6, 8, kernelSize: 3, stride: 2, padding: 1, bias: true)
        let norm = BatchNorm(8)
        norm.runningMean.assign(Tensor.randn([8], seed: 5) * 0.3)
        norm.runningVar.assign(Tensor.randn([8], seed: 6) * 0.2 + 1)
        norm.weight.assign(Tensor.randn([8], seed: 7))
        norm.bias.assign(Tensor.randn([8], seed: 8))
        norm.eval()
        let x = Tensor.randn([2, 6, 11, 10], seed: 9), residual = Tensor.randn([2, 8, 6, 5], seed: 10)
        for activation in [ConvolutionFusion.Activation.none, .relu, .silu, .gelu] {
            let fused = noGrad { conv.forward(x, normalisedBy: norm, adding: residual, then: activation) }
            XCTAssertTrue(fused.isChannelsLast, "\(activation) ran fused")
            let separate = OneDNN.withoutOneDNN { noGrad { activation.apply(norm(conv(x)) + residual) } }
            assertTensorClose(fused, separate, Self.tolerance, "fused \(activation)")
        }
        // The fold follows a changed running statistic.
        norm.runningMean.assign(norm.runningMean + 1)
        let fused = noGrad { conv.forward(x, normalisedBy: norm, then: .relu) }
        assertTensorClose(fused, OneDNN.withoutOneDNN { noGrad { norm(conv(x)).relu() } }, Self.tolerance, "after the statistics changed")
        let poisoned = x.copy()
        poisoned.pointer(Float.self)[0] = .nan
        for activation in [ConvolutionFusion.Activation.none, .relu, .silu, .gelu] {
            let y = noGrad { conv.forward(poisoned, normalisedBy: norm, then: activation) }
            XCTAssertTrue(y.scalars()[0].isNaN, "NaN through \(activation)")
        }
    }

    /// Max pooling of a channels-last map stays channels-last and picks the portable path's winners
    /// (ties, NaN and the padded border included), forward and backward.
    func testChannelsLastMaxPoolingPicksThePortableWinners() {
        let w = Tensor.randn([12, 3, 3, 3], seed: 2)  // 12 channels: a SIMD block of 8 and 4 one by one
        let x = Tensor.randn([2, 3, 13, 12], seed: 1)
        x.pointer(Float.self)[40] = .nan
        func pass() -> (Tensor, Tensor) {
            let input = x.copy().requiringGrad()
            let y = input.conv2d(weight: w, padding: 1).relu().maxPool2d(kernel: 3, stride: 2, padding: 1)
            y.backward(Tensor.randn(y.shape, seed: 3))
            return (y.detached(), input.grad!)
        }
        let (y, gx) = pass()
        let (yRef, gxRef) = OneDNN.withoutOneDNN { pass() }
        XCTAssertTrue(y.isChannelsLast)
        XCTAssertEqual(y.scalars().map(\.isNaN), yRef.scalars().map(\.isNaN))
        let finite = { (t: Tensor) in t.scalars(as: Double.self).map { $0.isNaN ? 0 : $0 } }
        assertElementsClose(finite(y), finite(yRef), scale: 1, Self.tolerance, "max pool output")
        XCTAssertEqual(gx.scalars().map(\.isNaN), gxRef.scalars().map(\.isNaN))
        assertElementsClose(finite(gx), finite(gxRef), scale: 1, Self.tolerance, "max pool input gradient")
    }

    /// Released blocks are handed out again; the idle cache never exceeds its limit.
    func testTensorMemoryReusesBlocksAndBoundsWhatItKeeps() {
        let size = 3 << 20
        let block = TensorMemory.allocate(size)
        TensorMemory.release(block, size)
        XCTAssertEqual(TensorMemory.allocate(size), block)
        TensorMemory.release(block, size)
        let many = (0..<100).map { _ in TensorMemory.allocate(size) }
        for b in many { TensorMemory.release(b, size) }
        XCTAssertLessThanOrEqual(TensorMemory.idleByteCount, TensorMemory.idleLimit)
        XCTAssertGreaterThan(TensorMemory.idleByteCount, TensorMemory.idleLimit - size - 64)
    }
}
