import GeoKitCore
import GeoKitData

/// Image -> image, applied to one view before the backbone sees it (the
/// polar transform of an aerial tile, a limited field-of-view crop of a
/// panorama). Random transforms draw from the generator they are given, so a
/// run stays reproducible from its seed.
public protocol ViewTransform: AnyObject {
    func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image
}

/// `view:polar`: SAFA's polar transform (docs/methods.md) of a square aerial
/// tile to a height x width pseudo-panorama. The transform's sampling table
/// is built once per tile size.
public final class PolarView: ViewTransform {
    public let height: Int, width: Int
    private var transform: PolarTransform?

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        guard image.height == image.width else {
            throw GeoKitError(
                "view:polar needs a square aerial tile, got \(image.height)x\(image.width)",
                remedy: "crop or resize the aerial images to a square first")
        }
        if transform?.aerialSize != image.height {
            transform = PolarTransform(aerialSize: image.height, height: height, width: width)
        }
        return transform!.apply(image)
    }
}

/// `view:fov`: a `degrees`-wide crop of a 360-degree panorama, centred on a
/// random heading (or on heading 0, the panorama's first column, when
/// `randomHeading` is false) — the limited field of view of a street photo.
public final class FieldOfViewCrop: ViewTransform {
    public let degrees: Double, randomHeading: Bool

    public init(degrees: Double, randomHeading: Bool) {
        self.degrees = degrees
        self.randomHeading = randomHeading
    }

    public func apply(_ image: Image, generator: inout RandomGenerator) throws -> Image {
        let centre = randomHeading ? Int(generator.next() % UInt64(image.width)) : 0
        return image.panoramaCrop(degrees: degrees, centreColumn: centre)
    }
}
