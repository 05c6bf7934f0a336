import GeoKit
import XCTest

final class ViewTransformTests: XCTestCase {
    func testPolarViewMatchesThePolarTransform() throws {
        var image = Image(height: 32, width: 32, channels: 3)
        for i in 0..<image.pixels.count { image.pixels[i] = UInt8((i * 37) % 251) }
        let view = try Registry.shared.make(.view, "polar", ["height": .int(8), "width": .int(24)])
        var g = RandomGenerator(seed: 0)
        let out = try view.apply(image, generator: &g)
        XCTAssertEqual(out.pixels, PolarTransform(aerialSize: 32, height: 8, width: 24).apply(image).pixels)
        XCTAssertThrowsError(try view.apply(Image(height: 32, width: 16, channels: 3), generator: &g)) { error in
            XCTAssertTrue("\(error)".contains("square"), "\(error)")
        }
    }

    func testFieldOfViewCropIsSeededAndSized() throws {
        var pano = Image(height: 4, width: 360, channels: 1)
        for x in 0..<360 { for y in 0..<4 { pano.pixels[y * 360 + x] = UInt8(x % 256) } }
        let view = try Registry.shared.make(.view, "fov", ["degrees": .int(90)])
        var a = RandomGenerator(seed: 5), b = RandomGenerator(seed: 5)
        let first = try view.apply(pano, generator: &a), again = try view.apply(pano, generator: &b)
        XCTAssertEqual(first.width, 90)
        XCTAssertEqual(first.pixels, again.pixels)
        XCTAssertThrowsError(try Registry.shared.make(.view, "fov", ["degrees": .int(400)]))
    }
}
