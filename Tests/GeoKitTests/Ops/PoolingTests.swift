import GeoKit
import XCTest

final class PoolingTests: XCTestCase {
    /// The pooling cases of Tests/reference/fixtures_conv_ops.py.
    static let cases: [(String, (Tensor) -> Tensor)] = [
        ("maxpool_pad", { $0.maxPool2d(kernel: 3, stride: 2, padding: 1) }),
        ("maxpool_default_stride", { $0.maxPool2d(kernel: 2) }),
        ("avgpool_pad_include", { $0.avgPool2d(kernel: 3, stride: 2, padding: 1) }),
        ("avgpool_pad_exclude", { $0.avgPool2d(kernel: 3, stride: 2, padding: 1, countIncludePad: false) }),
        ("adaptive_avg", { $0.adaptiveAvgPool2d((3, 4)) }),
        ("adaptive_max", { $0.adaptiveMaxPool2d((3, 4)) })
    ]

    func testMatchesPyTorch() throws {
        let f = try Fixture("conv_ops")
        for (name, op) in Self.cases {
            let x = try f.tensor("\(name)/x0").requiringGrad()
            let y = op(x)
            assertClose(y, try f.tensor("\(name)/y"), tolerance: 1e-6, name)
            y.backward(try f.tensor("\(name)/gy"))
            assertClose(x.grad!, try f.tensor("\(name)/gx0"), tolerance: 1e-6, "\(name) grad")
        }
    }

    func testGradientsFiniteDifference() {
        for (_, op) in Self.cases {
            assertGradientsMatch([randomDouble([2, 2, 7, 7], seed: 1)]) { op($0[0]) }
        }
        // Adaptive bins that overlap (7 -> 3) and a window sweep with padding on a non-square input.
        assertGradientsMatch([randomDouble([1, 2, 7, 5], seed: 2)]) { $0[0].adaptiveAvgPool2d((3, 2)) }
        assertGradientsMatch([randomDouble([1, 2, 7, 5], seed: 3)]) { $0[0].adaptiveMaxPool2d((3, 2)) }
        assertGradientsMatch([randomDouble([1, 2, 6, 9], seed: 4)]) { $0[0].avgPool2d(kernel: 3, stride: 1, padding: 1, countIncludePad: false) }
    }

    func testGeMMatchesPyTorch() throws {
        let f = try Fixture("conv_ops")
        for name in ["gem_shared", "gem_per_channel"] {
            let x = try f.tensor("\(name)/x0").requiringGrad(), p = try f.tensor("\(name)/x1").requiringGrad()
            let y = x.gem(p: p)
            assertClose(y, try f.tensor("\(name)/y"), tolerance: 1e-5, name)
            y.backward(try f.tensor("\(name)/gy"))
            assertClose(x.grad!, try f.tensor("\(name)/gx0"), tolerance: 1e-5, "\(name) grad x")
            assertClose(p.grad!, try f.tensor("\(name)/gx1"), tolerance: 1e-5, "\(name) grad p")
        }
    }

    func testGeMGradientsFiniteDifference() {
        // Values away from the clamp at eps; a few negative ones are clamped and get no gradient.
        let x = randomDouble([2, 3, 4, 5], seed: 5)
        x.fill { i in i % 11 == 0 ? -0.5 : 0.2 + Double((i * 37) % 17) / 10 }
        assertGradientsMatch([x, Tensor([3.0] as [Double], shape: [1])]) { $0[0].gem(p: $0[1]) }
        assertGradientsMatch([x, Tensor([3.0, 2.0, 4.5] as [Double], shape: [3])]) { $0[0].gem(p: $0[1]) }
    }

    func testDefaultStrideIsTheKernel() {
        let x = Tensor.randn([1, 1, 6, 6], seed: 6)
        XCTAssertEqual(x.maxPool2d(kernel: 2).shape, [1, 1, 3, 3])
        XCTAssertEqual(x.maxPool2d(kernel: 2).scalars(as: Float.self), x.maxPool2d(kernel: 2, stride: 2).scalars(as: Float.self))
        XCTAssertEqual(x.avgPool2d(kernel: 3).shape, [1, 1, 2, 2])
        XCTAssertEqual(x.avgPool2d(kernel: 3).scalars(as: Float.self), x.avgPool2d(kernel: 3, stride: 3).scalars(as: Float.self))
    }

    /// As in torch: NaN wins a max window, and among equal maxima the first (row-major) takes the gradient.
    func testMaxPoolPropagatesNaNAndRoutesTiesToTheFirst() {
        let x = Tensor([1, .nan, 0, 2, 3, 3, 3, -1] as [Float], shape: [1, 1, 2, 4]).requiringGrad()
        let y = x.maxPool2d(kernel: 2)
        let values = y.scalars(as: Float.self)
        XCTAssertTrue(values[0].isNaN)
        XCTAssertEqual(values[1], 3)
        y.sum().backward()
        XCTAssertEqual(x.grad!.scalars(as: Float.self), [0, 1, 0, 0, 0, 0, 1, 0])
    }
}
