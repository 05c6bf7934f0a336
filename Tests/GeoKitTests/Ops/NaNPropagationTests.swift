import GeoKit
import XCTest

/// NaN goes where PyTorch sends it, forward and backward, for every public
/// op with a backward: the "nan_propagation" fixture (Tests/reference/fixtures_nan.py)
/// holds torch's outputs and input gradients for inputs with NaN (case
/// `name`) and for finite inputs with a NaN output gradient (case `name.g`);
/// both are compared element by element — the same NaN positions, the same
/// infinities, the same finite values.
final class NaNPropagationTests: XCTestCase {
    /// Ops by fixture case name, with their number of inputs.
    static let cases: [(String, Int, ([Tensor]) -> Tensor)] = [
        ("relu", 1, { $0[0].relu() }),
        ("leaky_relu", 1, { $0[0].leakyRelu(slope: 0.2) }),
        ("sigmoid", 1, { $0[0].sigmoid() }),
        ("silu", 1, { $0[0].silu() }),
        ("gelu", 1, { $0[0].gelu() }),
        ("tanh", 1, { $0[0].tanh() }),
        ("hardswish", 1, { $0[0].hardSwish() }),
        ("exp", 1, { $0[0].exp() }),
        ("log", 1, { $0[0].log() }),
        ("log1p", 1, { $0[0].log1p() }),
        ("sqrt", 1, { $0[0].sqrt() }),
        ("pow2", 1, { $0[0].pow(2) }),
        ("pow3", 1, { $0[0].pow(3) }),
        ("clamp", 1, { $0[0].clamp(min: -0.5, max: 0.7) }),
        ("clamp_min", 1, { $0[0].clamp(min: 0.5) }),
        ("clamp_max", 1, { $0[0].clamp(max: 0.7) }),
        ("softplus", 1, { $0[0].softplus() }),
        ("add", 2, { $0[0] + $0[1] }),
        ("sub", 2, { $0[0] - $0[1] }),
        ("mul_zero", 2, { $0[0] * $0[1] }),
        ("div", 2, { $0[0] / $0[1] }),
        ("add_scalar", 1, { $0[0] + 2.5 }),
        ("mul_scalar_zero", 1, { $0[0] * 0 }),
        ("sum_axes", 1, { $0[0].sum(axes: [1, 3]) }),
        ("mean_all", 1, { $0[0].mean() }),
        ("expand", 1, { $0[0].expanded(to: [2, 3, 4, 4]) }),
        ("matmul_zeros", 2, { $0[0].matmul($0[1]) }),
        ("matmul", 2, { $0[0].matmul($0[1]) }),
        ("bmm", 2, { $0[0].matmul($0[1]) }),
        ("linear", 3, { $0[0].linear(weight: $0[1], bias: $0[2]) }),
        ("conv3x3", 3, { $0[0].conv2d(weight: $0[1], bias: $0[2], padding: 1) }),
        ("conv3x3_stride2", 2, { $0[0].conv2d(weight: $0[1], stride: 2, padding: 1) }),
        ("conv1x1_zero_weight", 2, { $0[0].conv2d(weight: $0[1]) }),
        ("conv_depthwise", 2, { $0[0].conv2d(weight: $0[1], padding: 1, groups: 3) }),
        ("conv_nan_weight", 2, { $0[0].conv2d(weight: $0[1], padding: 1) }),
        ("conv_depthwise_nan_weight", 2, { $0[0].conv2d(weight: $0[1], padding: 1, groups: 3) }),
        ("max_axis1", 1, { $0[0].max(axis: 1) }),
        ("min_axis1", 1, { $0[0].min(axis: 1) }),
        ("max_axis0", 1, { $0[0].max(axis: 0) }),
        ("max_all", 1, { $0[0].max() }),
        ("topk3", 1, { $0[0].topK(3, axis: 1).values }),
        ("topk3_smallest", 1, { $0[0].topK(3, axis: 1, largest: false).values }),
        ("softmax", 1, { $0[0].softmax(axis: 1) }),
        ("log_softmax", 1, { $0[0].logSoftmax(axis: 1) }),
        ("cross_entropy", 1, { $0[0].crossEntropy(targets: [2, 0]) }),
        ("cross_entropy_smooth", 1, { $0[0].crossEntropy(targets: [2, 0], labelSmoothing: 0.1) }),
        ("l2_normalize", 1, { $0[0].l2Normalized(axis: 1) }),
        ("layer_norm_last", 3, { $0[0].layerNorm(axis: -1, weight: $0[1], bias: $0[2]) }),
        ("layer_norm_channels_first", 3, { $0[0].layerNorm(axis: 1, weight: $0[1], bias: $0[2]) }),
        (
            "batch_norm_train", 3,
            {
                $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: nil, runningVar: nil, training: true)
            }
        ),
        ("max_pool2d", 1, { $0[0].maxPool2d(kernel: 3, stride: 2, padding: 1) }),
        ("max_pool2d_k2", 1, { $0[0].maxPool2d(kernel: 2) }),
        ("adaptive_max_pool2d", 1, { $0[0].adaptiveMaxPool2d((3, 2)) }),
        ("avg_pool2d", 1, { $0[0].avgPool2d(kernel: 3, stride: 2, padding: 1) }),
        ("adaptive_avg_pool2d", 1, { $0[0].adaptiveAvgPool2d((2, 3)) }),
        ("gem", 2, { $0[0].gem(p: $0[1]) }),
        ("resize_align", 1, { $0[0].resizedBilinear(height: 7, width: 3, alignCorners: true) }),
        ("resize", 1, { $0[0].resizedBilinear(height: 3, width: 8, alignCorners: false) }),
        ("permute", 1, { $0[0].permuted([0, 2, 3, 1]) }),
        ("slice", 1, { $0[0].sliced(axis: 2, 1..<3) }),
        ("index_select", 1, { $0[0].indexSelect([1, 0, 1], axis: 1) }),
        ("diagonal", 1, { $0[0].diagonal() }),
        ("concat", 2, { Tensor.concat($0, axis: 1) }),
        ("stack", 2, { Tensor.stack($0, axis: 0) }),
        ("pad_reflect", 1, { $0[0].padded([(2, 1), (1, 2)], mode: .reflect) }),
        ("pad_constant", 1, { $0[0].padded([(0, 1), (1, 0)], mode: .constant(0.5)) }),
        ("roll", 1, { $0[0].rolled(2, axis: 3) }),
        ("flip", 1, { $0[0].flipped(axes: [1, 3]) }),
        ("rot90", 1, { $0[0].rotated90(1) })
    ]

    /// Cases checked outside the table (they need the fixture's running statistics).
    static let separateCases: Set = ["batch_norm_eval_negative_var", "batch_norm_running"]

    func testEveryOpMatchesPyTorchsNaNsInFloat64() throws { try checkEveryCase(dtype: .float64, tolerance: 1e-9) }

    /// The same cases through the float32 kernels (sgemm, the SIMD reductions) that training runs.
    func testEveryOpMatchesPyTorchsNaNsInFloat32() throws { try checkEveryCase(dtype: .float32, tolerance: 2e-5) }

    /// Each case with NaN inputs and with a NaN output gradient (its ".g" variant).
    private func checkEveryCase(dtype: DType, tolerance: Double) throws {
        let fixture = try Fixture("nan_propagation")
        for (name, inputs, op) in Self.cases {
            for variant in [name, name + ".g"] {
                labellingFailures(variant) {
                    check(fixture, variant, inputs: inputs, dtype: dtype, tolerance: tolerance, op)
                }
            }
        }
    }

    func testTheTableCoversEveryFixtureCase() throws {
        let fixture = try Fixture("nan_propagation")
        let tabled = Set(Self.cases.map(\.0))
        let stored = Set(fixture.cases.map { $0.hasSuffix(".g") ? String($0.dropLast(2)) : $0 })
        XCTAssertEqual(stored.subtracting(tabled), Self.separateCases)
        XCTAssertEqual(tabled.subtracting(stored), [])
    }

    func testBatchNormEvaluationWithANegativeRunningVarianceIsNaNInThatChannel() throws {
        let fixture = try Fixture("nan_propagation")
        let name = "batch_norm_eval_negative_var"
        let mean = try fixture.tensor("\(name)/running_mean"), variance = try fixture.tensor("\(name)/running_var")
        XCTAssertEqual(variance.scalars(as: Double.self), [0.5, -2, 1.5])
        check(fixture, name, inputs: 3, dtype: .float64, tolerance: 1e-9) {
            $0[0].batchNorm(weight: $0[1], bias: $0[2], runningMean: mean, runningVar: variance, training: false)
        }
        // Channel 1 (the negative variance) is NaN everywhere, the others nowhere.
        let x = try fixture.tensor("\(name)/x0")
        let y = x.batchNorm(weight: nil, bias: nil, runningMean: mean, runningVar: variance, training: false)
        let values = y.scalars(as: Double.self)
        for (i, v) in values.enumerated() { XCTAssertEqual(v.isNaN, (i / 16) % 3 == 1, "element \(i) is \(v)") }
    }

    func testBatchNormTrainingStepMakesTheNaNChannelsRunningStatisticsNaN() throws {
        let fixture = try Fixture("nan_propagation")
        let x = try fixture.tensor("batch_norm_running/x0")
        let mean = Tensor.zeros([3], dtype: .float64), variance = Tensor.ones([3], dtype: .float64)
        _ = x.batchNorm(weight: nil, bias: nil, runningMean: mean, runningVar: variance, training: true, momentum: 0.1)
        assertSameNaNs(mean, try fixture.tensor("batch_norm_running/running_mean"), tolerance: 1e-12, "running mean")
        assertSameNaNs(variance, try fixture.tensor("batch_norm_running/running_var"), tolerance: 1e-12, "running var")
        XCTAssertTrue(variance.scalars(as: Double.self)[1].isNaN, "the variance of the NaN channel must not be clamped to 0")
    }

    // Hand-written positions for the ops whose NaN rule used to differ, in float32 (the training dtype).

    func testReLUKeepsNaNAndPassesItsGradient() {
        let x = Tensor([.nan, -1, 2] as [Float], shape: [3]).requiringGrad()
        let y = x.relu()
        assertElements(y, [.nan, 0, 2])
        y.backward(Tensor([1, 1, 1] as [Float], shape: [3]))
        XCTAssertEqual(x.grad!.scalars(as: Float.self), [1, 0, 1])
        // A NaN output gradient stops where relu's output is 0, as torch's threshold_backward does.
        let z = Tensor([1, -1, 0] as [Float], shape: [3]).requiringGrad()
        z.relu().backward(Tensor([.nan, .nan, .nan] as [Float], shape: [3]))
        assertElements(z.grad!, [.nan, 0, 0])
    }

    func testLeakyReLUHardSwishAndClampKeepNaN() {
        let x = Tensor([.nan, -1, 2, -4] as [Float], shape: [4])
        assertElements(x.leakyRelu(slope: 0.2), [.nan, -0.2, 2, -0.8])
        assertElements(x.hardSwish(), [.nan, -1.0 / 3, 5.0 / 3, 0])
        assertElements(x.clamp(min: -0.5, max: 0.7), [.nan, -0.5, 0.7, -0.5])
        assertElements(x.clamp(min: 0), [.nan, 0, 2, 0])
        // torch's gradients at NaN: leaky relu's slope, hardswish's NaN (its vectorised kernel), clamp's 0.
        let gradients: [((Tensor) -> Tensor, [Float])] = [
            ({ $0.leakyRelu(slope: 0.2) }, [0.2, 0.2, 1, 0.2]),
            ({ $0.hardSwish() }, [.nan, 1.0 / 6, 7.0 / 6, 0]),
            ({ $0.clamp(min: -0.5, max: 0.7) }, [0, 0, 0, 0])
        ]
        for (op, expected) in gradients {
            let leaf = x.detached().requiringGrad()
            op(leaf).backward(Tensor.ones([4]))
            assertElements(leaf.grad!, expected)
        }
    }

    func testMaxAndArgmaxPickTheFirstNaNWhilePoolingPicksTheLast() {
        let row = Tensor([1, .nan, 5, .nan] as [Float], shape: [1, 4]).requiringGrad()
        XCTAssertEqual(row.argmax(axis: 1), [1])
        let m = row.max(axis: 1)
        XCTAssertTrue(m.item.isNaN)
        m.backward(Tensor.ones([1]))
        XCTAssertEqual(row.grad!.scalars(as: Float.self), [0, 1, 0, 0])
        XCTAssertTrue(row.min(axis: 1).item.isNaN)
        // max_pool2d compares `v > best || isnan(v)` along the window: the later NaN wins (torch returns index 3).
        let plane = Tensor([1, .nan, 5, .nan] as [Float], shape: [1, 1, 1, 4]).requiringGrad()
        let pooled = plane.maxPool2d(kernel: 1, stride: 1).adaptiveMaxPool2d((1, 1))
        XCTAssertTrue(pooled.item.isNaN)
        pooled.backward(Tensor.ones([1, 1, 1, 1]))
        XCTAssertEqual(plane.grad!.scalars(as: Float.self), [0, 0, 0, 1])
    }

    func testDropoutKeepsNaNInDroppedElements() {
        var generator = RandomGenerator(seed: 3)
        let x = Tensor.full(.nan, shape: [64])
        for p in [0.5, 1.0] {
            let y = x.dropout(p, training: true, generator: &generator)
            XCTAssertTrue(y.scalars(as: Float.self).allSatisfy(\.isNaN), "dropout(\(p)) of NaN must stay NaN, as torch's x * mask")
        }
        XCTAssertTrue(x.dropPath(0.5, training: true, generator: &generator).scalars(as: Float.self).allSatisfy(\.isNaN))
    }

    func testMatmulKeepsNaNTimesZero() {
        // OpenBLAS must not skip zero operands: NaN * 0 is NaN, in sgemm and dgemm.
        for dtype in [DType.float32, .float64] {
            let a = Tensor([.nan, 1, 2, 3] as [Double], shape: [2, 2]).to(dtype)
            let y = a.matmul(Tensor.zeros([2, 3], dtype: dtype))
            assertElements(y.to(.float32), [.nan, .nan, .nan, 0, 0, 0])
        }
    }

    // MARK: - Comparison

    /// Runs `op` on the fixture inputs of `name` (as `dtype`), compares the
    /// output and, after backward of the fixture's gy, every input gradient.
    private func check(
        _ fixture: Fixture, _ name: String, inputs: Int, dtype: DType, tolerance: Double,
        file: StaticString = #filePath, line: UInt = #line, _ op: ([Tensor]) -> Tensor
    ) {
        do {
            let stored = try (0..<inputs).map { try fixture.tensor("\(name)/x\($0)") }
            let xs = stored.map { $0.to(dtype).requiringGrad() }
            let y = op(xs)
            let expected = try fixture.tensor("\(name)/y"), gy = try fixture.tensor("\(name)/gy")
            assertSameNaNs(y, expected, tolerance: tolerance, "\(name) output", file: file, line: line)
            guard y.shape == gy.shape || y.count == gy.count && gy.rank == 0 else { return }
            y.backward(gy.to(dtype))
            var sawNaN = ([expected, gy] + stored).contains { $0.scalars(as: Double.self).contains { $0.isNaN } }
            for (i, x) in xs.enumerated() {
                let gradient = try fixture.tensor("\(name)/gx\(i)")
                sawNaN = sawNaN || gradient.scalars(as: Double.self).contains { $0.isNaN }
                guard let grad = x.grad else {
                    XCTFail("\(name): input \(i) received no gradient", file: file, line: line)
                    continue
                }
                assertSameNaNs(grad, gradient, tolerance: tolerance, "\(name) gradient \(i)", file: file, line: line)
            }
            XCTAssertTrue(sawNaN, "\(name): the fixture case holds no NaN at all, so it tests nothing", file: file, line: line)
        } catch {
            XCTFail("\(name): \(error)", file: file, line: line)
        }
    }
}

/// Element by element: NaN exactly where `expected` has NaN, the same
/// infinities, and finite values within `tolerance` of the case's scale.
func assertSameNaNs(
    _ actual: Tensor, _ expected: Tensor, tolerance: Double, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count && (actual.shape == expected.shape || expected.rank == 0 || actual.rank == 0) else {
        XCTFail("\(label): shape \(actual.shape), expected \(expected.shape)", file: file, line: line)
        return
    }
    let a = actual.scalars(as: Double.self), e = expected.scalars(as: Double.self)
    let scale = Swift.max(1, e.filter(\.isFinite).map(abs).max() ?? 1)
    var mismatches: [String] = []
    for i in 0..<e.count {
        let same = e[i].isNaN ? a[i].isNaN : e[i].isInfinite ? a[i] == e[i] : abs(a[i] - e[i]) <= tolerance * scale
        if !same { mismatches.append("[\(i)] \(a[i]) vs \(e[i])") }
    }
    XCTAssertTrue(
        mismatches.isEmpty,
        "\(label): \(mismatches.count) of \(e.count) elements differ from torch: "
            + mismatches.prefix(6).joined(separator: ", "), file: file, line: line)
}

/// Float elements equal to `expected` (NaN where it has NaN), to float rounding.
func assertElements(_ t: Tensor, _ expected: [Float], file: StaticString = #filePath, line: UInt = #line) {
    assertSameNaNs(
        t.reshaped([t.count]), Tensor(expected, shape: [expected.count]), tolerance: 1e-6, "elements",
        file: file, line: line)
}
