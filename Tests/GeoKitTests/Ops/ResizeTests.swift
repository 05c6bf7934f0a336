import GeoKit
import XCTest

final class ResizeTests: XCTestCase {
    /// The resize cases of Tests/reference/fixtures_conv_ops.py: name, size, alignCorners.
    static let cases: [(String, Int, Int, Bool)] = [
        ("resize_up_false", 9, 13, false), ("resize_down_false", 4, 5, false),
        ("resize_up_true", 9, 13, true), ("resize_down_true", 4, 5, true)
    ]

    func testMatchesPyTorch() throws {
        let f = try Fixture("conv_ops")
        for (name, height, width, align) in Self.cases {
            let x = try f.tensor("\(name)/x0").requiringGrad()
            let y = x.resizedBilinear(height: height, width: width, alignCorners: align)
            assertClose(y, try f.tensor("\(name)/y"), tolerance: 1e-5, name)
            y.backward(try f.tensor("\(name)/gy"))
            assertClose(x.grad!, try f.tensor("\(name)/gx0"), tolerance: 1e-5, "\(name) grad")
        }
    }

    func testGradientsFiniteDifference() {
        for (height, width) in [(9, 13), (4, 5), (1, 1), (5, 6)] {
            for align in [false, true] {
                assertGradientsMatch([randomDouble([2, 2, 5, 6], seed: 1)]) {
                    $0[0].resizedBilinear(height: height, width: width, alignCorners: align)
                }
            }
        }
    }

    func testSameSizeIsIdentity() {
        let x = Tensor.randn([1, 2, 3, 4], seed: 2)
        XCTAssertEqual(x.resizedBilinear(height: 3, width: 4, alignCorners: false).scalars(as: Float.self), x.scalars(as: Float.self))
    }
}
