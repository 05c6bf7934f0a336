import GeoKit
import XCTest

final class PolarTransformTests: XCTestCase {
    func testMatchesNumPyFormulaForwardAndBackward() throws {
        let f = try Fixture("polar")
        for name in ["even", "odd", "wide"] {
            let x = try f.tensor("\(name)/x0").requiringGrad()
            let expected = try f.tensor("\(name)/y")
            let polar = PolarTransform(aerialSize: x.shape[2], height: expected.shape[2], width: expected.shape[3])
            let y = polar.apply(x)
            assertClose(y, expected, tolerance: 1e-5, name)
            y.backward(try f.tensor("\(name)/gy"))
            assertClose(x.grad!, try f.tensor("\(name)/gx0"), tolerance: 1e-5, "\(name) grad")
        }
    }

    func testGradientFiniteDifference() {
        let polar = PolarTransform(aerialSize: 6, height: 4, width: 10)
        assertGradientsMatch([randomDouble([2, 2, 6, 6], seed: 9)]) { polar.apply($0[0]) }
    }

    func testImageAndTensorPathsAgree() {
        let aerial = CodecTests.pattern(height: 40, width: 40, channels: 3)
        let polar = PolarTransform(aerialSize: 40, height: 16, width: 64)
        let viaImage = polar.apply(aerial)
        let viaTensor = Image(tensor: polar.apply(aerial.tensor()))
        for (a, b) in zip(viaImage.pixels, viaTensor.pixels) { XCTAssertLessThanOrEqual(abs(Int(a) - Int(b)), 1) }
    }

    /// A landmark due east of the centre of a north-up tile lands at column 3W/4.
    func testBearingConvention() {
        var aerial = Image(height: 64, width: 64, channels: 1)
        for y in 30...34 { for x in 52...56 { aerial[y, x, 0] = 255 } }
        let out = PolarTransform(aerialSize: 64, height: 32, width: 128).apply(aerial)
        var best = (0, 0)
        for x in 0..<128 {
            let total = (0..<32).reduce(0) { $0 + Int(out[$1, x, 0]) }
            if total > best.1 { best = (x, total) }
        }
        XCTAssertEqual(Double(best.0), 96, accuracy: 2)
        XCTAssertEqual(PolarTransform.bearing(column: 96, width: 128), 90, accuracy: 1e-9)
    }
}
