import Foundation
import GeoKit
import XCTest

/// Every differentiable op over the cases of Tests/reference/fixtures_differential_ops.py
/// (batch 1 and 8, odd and even sizes, maps down to 1x1):
///  - in float64 against PyTorch's float64, forward and every input gradient;
///  - GeoKit's float32 against GeoKit's own float64 on the same (float32) inputs.
/// Each case's op and settings are JSON metadata in the fixture, dispatched by `OpTable`.
final class OpsDifferentialTests: XCTestCase {
    /// float64 against PyTorch float64: the two differ only in summation order and in
    /// libm's last bit, ~1e-16 per operation, so 1e-10 of the element leaves room for
    /// accumulations over hundreds of terms; the floors cover elements that cancel
    /// (inputs are of unit scale, so 1e-14 absolute is ~100 roundings of a term).
    static let float64 = Tolerance(relative: 1e-10, floor: 1e-13, absolute: 1e-14)
    /// float32 against float64 on identical inputs: float32 rounds at 6e-8 per operation,
    /// accumulated over at most a few hundred terms (a 7x7x3 convolution window, a
    /// 480-element sum); the floors follow the same argument at float32's rounding.
    static let float32 = Tolerance(relative: 2e-5, floor: 2e-6, absolute: 1e-6)

    private var fixture: Fixture!

    override func setUpWithError() throws { fixture = try Fixture("differential_ops") }

    func testEveryCaseMatchesPyTorchInFloat64() throws {
        var worst: [String: ErrorFigures] = [:]
        for name in fixture.cases {
            let (op, settings) = try spec(name)
            let inputs = try caseInputs(name)
            let result = try run(name, op, settings, inputs, dtype: .float64)
            var figures = assertTensorClose(result.y, try fixture.tensor("\(name)/y"), Self.float64, "\(name) output")
            for (i, gradient) in result.gradients.enumerated() {
                guard let expected = fixture.contents["\(name)/gx\(i)"] else { continue }
                guard let gradient else { XCTFail("\(name): input \(i) received no gradient"); continue }
                figures.merge(assertTensorClose(gradient, expected, Self.float64, "\(name) gradient \(i)"))
            }
            if let (mean, variance) = result.running {
                figures.merge(assertTensorClose(mean, try fixture.tensor("\(name)/rm"), Self.float64, "\(name) running mean"))
                figures.merge(assertTensorClose(variance, try fixture.tensor("\(name)/rv"), Self.float64, "\(name) running var"))
            }
            worst[op, default: ErrorFigures()].merge(figures)
        }
        for (op, figures) in worst.sorted(by: { $0.key < $1.key }) { print("differential op \(op) float64 vs torch: \(figures)") }
    }

    func testFloat32AgreesWithFloat64OnTheSameInputs() throws {
        var worst: [String: ErrorFigures] = [:]
        for name in fixture.cases {
            let (op, settings) = try spec(name)
            // Rounded once to float32, so both precisions start from identical numbers and every
            // kink (ReLU sign, max position, clamp bound) is decided on the same values.
            let inputs = try caseInputs(name).map { $0.to(.float32) }
            let single = try run(name, op, settings, inputs, dtype: .float32)
            let double = try run(name, op, settings, inputs.map { $0.to(.float64) }, dtype: .float64)
            XCTAssertEqual(single.y.dtype, .float32, name)
            var figures = assertTensorClose(single.y, double.y, Self.float32, "\(name) float32 output")
            for (i, (g32, g64)) in zip(single.gradients, double.gradients).enumerated() {
                guard let g32, let g64 else { continue }
                figures.merge(assertTensorClose(g32, g64, Self.float32, "\(name) float32 gradient \(i)"))
            }
            worst[op, default: ErrorFigures()].merge(figures)
        }
        for (op, figures) in worst.sorted(by: { $0.key < $1.key }) { print("differential op \(op) float32 vs float64: \(figures)") }
    }

    /// The oneDNN path against the portable one, both float32 on identical inputs, over every case
    /// (convolutions of every stride, padding, dilation and grouping, batch norm in both modes; the
    /// other ops take the same kernels on both paths and must agree exactly). The two differ in
    /// summation order and blocking only, so 1e-4 of the element (the bound) is ample;
    /// the floors cover elements that cancel to near zero.
    func testOneDNNAgreesWithThePortablePathInFloat32() throws {
        try XCTSkipUnless(OneDNN.isEnabled, "oneDNN is off (GEOKIT_ONEDNN=0 or no CPU engine)")
        let tolerance = Tolerance(relative: 1e-4, floor: 1e-5, absolute: 1e-5)
        var worst: [String: ErrorFigures] = [:]
        for name in fixture.cases {
            let (op, settings) = try spec(name)
            let inputs = try caseInputs(name).map { $0.to(.float32) }
            let fast = try run(name, op, settings, inputs, dtype: .float32)
            let portable = try OneDNN.withoutOneDNN { try run(name, op, settings, inputs, dtype: .float32) }
            var figures = assertTensorClose(fast.y, portable.y, tolerance, "\(name) oneDNN output")
            for (i, (a, b)) in zip(fast.gradients, portable.gradients).enumerated() {
                guard let a, let b else {
                    XCTAssertEqual(a == nil, b == nil, "\(name): gradient \(i) on one path only")
                    continue
                }
                figures.merge(assertTensorClose(a, b, tolerance, "\(name) oneDNN gradient \(i)"))
            }
            if let (mean, variance) = fast.running, let (portableMean, portableVariance) = portable.running {
                figures.merge(assertTensorClose(mean, portableMean, tolerance, "\(name) oneDNN running mean"))
                figures.merge(assertTensorClose(variance, portableVariance, tolerance, "\(name) oneDNN running var"))
            }
            worst[op, default: ErrorFigures()].merge(figures)
        }
        for op in ["conv2d", "batch_norm"] { print("differential op \(op) oneDNN vs portable float32: \(worst[op] ?? ErrorFigures())") }
    }

    /// The fixture covers every op of the table and nothing the table lacks.
    func testTheFixtureExercisesEveryOp() throws {
        let ops = Set(try fixture.cases.map { try spec($0).op })
        XCTAssertEqual(ops, Set(OpTable.ops.keys))
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 100)
    }

    private func spec(_ name: String) throws -> (op: String, settings: OpSettings) {
        let json = try XCTUnwrap(fixture.metadata(name), "\(name) has no metadata")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], name)
        return (try XCTUnwrap(object["op"] as? String, name), OpSettings(values: object, name: name))
    }

    private func caseInputs(_ name: String) throws -> [Tensor] {
        var inputs: [Tensor] = []
        while let x = fixture.contents["\(name)/x\(inputs.count)"] { inputs.append(x) }
        return inputs
    }

    private struct Run {
        let y: Tensor
        let gradients: [Tensor?]
        let running: (Tensor, Tensor)?
    }

    /// The op on copies of `inputs` (leaves requiring gradients), then backward of the case's gy.
    private func run(_ name: String, _ op: String, _ settings: OpSettings, _ inputs: [Tensor], dtype: DType) throws -> Run {
        let function = try XCTUnwrap(OpTable.ops[op], "no Swift entry for op \(op)")
        // Batch norm's running statistics (inputs 3 and 4) are state, not differentiable inputs.
        let differentiable = op == "batch_norm" ? 3 : inputs.count
        let leaves = inputs.enumerated().map { i, x in i < differentiable ? x.to(dtype).copy().requiringGrad() : x.to(dtype).copy() }
        let y = function(leaves, settings)
        let gy = try fixture.tensor("\(name)/gy")
        y.backward(gy.to(dtype).reshaped(y.shape))
        return Run(
            y: y.detached(), gradients: leaves.prefix(differentiable).map(\.grad),
            running: op == "batch_norm" ? (leaves[3], leaves[4]) : nil)
    }
}
