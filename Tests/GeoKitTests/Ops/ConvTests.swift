import GeoKit
import XCTest

final class ConvTests: XCTestCase {
    /// The cases of Tests/reference/fixtures_conv_ops.py (CONV_CASES): shapes and the op with the same options.
    struct Case {
        let name: String
        let input: [Int], weight: [Int], bias: Bool
        let apply: (Tensor, Tensor, Tensor?) -> Tensor
    }

    static let cases: [Case] = [
        Case(name: "conv_basic", input: [2, 3, 7, 8], weight: [4, 3, 3, 3], bias: true) {
            $0.conv2d(weight: $1, bias: $2, padding: 1)
        },
        Case(name: "conv_stride2_pad", input: [2, 3, 9, 8], weight: [5, 3, 3, 3], bias: true) {
            $0.conv2d(weight: $1, bias: $2, stride: 2, padding: 1)
        },
        Case(name: "conv_dilation2", input: [2, 3, 9, 9], weight: [4, 3, 3, 3], bias: false) {
            $0.conv2d(weight: $1, bias: $2, padding: 2, dilation: 2)
        },
        Case(name: "conv_groups2", input: [2, 4, 6, 7], weight: [6, 2, 3, 3], bias: true) {
            $0.conv2d(weight: $1, bias: $2, padding: 1, groups: 2)
        },
        Case(name: "conv_depthwise", input: [2, 4, 7, 6], weight: [4, 1, 3, 3], bias: true) {
            $0.conv2d(weight: $1, bias: $2, padding: 1, groups: 4)
        },
        Case(name: "conv_depthwise_s2", input: [2, 4, 9, 8], weight: [4, 1, 5, 3], bias: false) {
            $0.conv2d(weight: $1, bias: $2, stride: (2, 2), padding: (2, 1), groups: 4)
        },
        Case(name: "conv_nonsquare", input: [2, 3, 8, 9], weight: [4, 3, 3, 5], bias: false) {
            $0.conv2d(weight: $1, bias: $2, stride: (2, 1), padding: (1, 2))
        },
        Case(name: "conv_pointwise", input: [2, 5, 4, 6], weight: [3, 5, 1, 1], bias: true) {
            $0.conv2d(weight: $1, bias: $2)
        },
        Case(name: "conv_pointwise_large", input: [1, 2, 32, 32], weight: [3, 2, 1, 1], bias: true) {
            $0.conv2d(weight: $1, bias: $2)
        },
        Case(name: "conv_pointwise_s2", input: [2, 6, 7, 7], weight: [4, 6, 1, 1], bias: false) {
            $0.conv2d(weight: $1, bias: $2, stride: 2)
        },
        Case(name: "conv_large_plane", input: [1, 1, 32, 32], weight: [2, 1, 3, 3], bias: true) {
            $0.conv2d(weight: $1, bias: $2, padding: 1)
        }
    ]

    func testMatchesPyTorch() throws {
        let f = try Fixture("conv_ops")
        for c in Self.cases {
            let x = try f.tensor("\(c.name)/x0").requiringGrad(), w = try f.tensor("\(c.name)/x1").requiringGrad()
            let b = c.bias ? try f.tensor("\(c.name)/x2").requiringGrad() : nil
            let y = c.apply(x, w, b)
            assertClose(y, try f.tensor("\(c.name)/y"), tolerance: 1e-5, c.name)
            y.backward(try f.tensor("\(c.name)/gy"))
            assertClose(x.grad!, try f.tensor("\(c.name)/gx0"), tolerance: 1e-5, "\(c.name) grad input")
            assertClose(w.grad!, try f.tensor("\(c.name)/gx1"), tolerance: 1e-5, "\(c.name) grad weight")
            if let b { assertClose(b.grad!, try f.tensor("\(c.name)/gx2"), tolerance: 1e-5, "\(c.name) grad bias") }
        }
    }

    func testGradientsFiniteDifference() {
        for (index, c) in Self.cases.enumerated() {
            let seed = UInt64(10 * index)
            var inputs = [randomDouble(c.input, seed: seed), randomDouble(c.weight, seed: seed + 1)]
            if c.bias { inputs.append(randomDouble([c.weight[0]], seed: seed + 2)) }
            assertGradientsMatch(inputs) { c.apply($0[0], $0[1], c.bias ? $0[2] : nil) }
        }
    }

    /// Small output planes are convolved several images per GEMM (here 2 of 512 pixels); the last group is partial.
    func testBatchedImagesMatchOneImageAtATime() {
        let x = randomDouble([3, 2, 16, 32], seed: 7), w = randomDouble([4, 2, 3, 3], seed: 8)
        let b = randomDouble([4], seed: 9)
        assertGradientsMatch([x, w, b]) { $0[0].conv2d(weight: $0[1], bias: $0[2], stride: 1, padding: 1) }
        let batched = noGrad { x.conv2d(weight: w, bias: b, padding: 1) }.scalars(as: Double.self)
        let values = x.scalars(as: Double.self), imageSize = 2 * 16 * 32
        var single: [Double] = []
        for n in 0..<3 {
            let image = Tensor(Array(values[(n * imageSize)..<((n + 1) * imageSize)]), shape: [1, 2, 16, 32])
            single += noGrad { image.conv2d(weight: w, bias: b, padding: 1) }.scalars(as: Double.self)
        }
        XCTAssertEqual(batched.count, single.count)
        for i in 0..<batched.count { XCTAssertEqual(batched[i], single[i], accuracy: 1e-12) }
    }

    /// The first convolution of a network has an input without gradient: only the weight's is computed,
    /// and it is the same weight gradient as when the input's is computed too.
    func testInputWithoutGradientGetsNone() {
        let x = Tensor.randn([2, 3, 8, 8], seed: 3)
        let w = Tensor.randn([4, 3, 3, 3], seed: 4).requiringGrad()
        x.conv2d(weight: w, padding: 1).sum().backward()
        XCTAssertNil(x.grad)
        let both = x.copy().requiringGrad(), reference = w.detached().requiringGrad()
        both.conv2d(weight: reference, padding: 1).sum().backward()
        XCTAssertEqual(w.grad?.shape, [4, 3, 3, 3])
        assertClose(w.grad!, reference.grad!, tolerance: 1e-6, "weight gradient without the input's")
    }
}
