import Foundation
import GeoKitCore

/// Reading and writing image files, the codec chosen by content (reading)
/// or by extension (writing: .png, else JPEG).
extension Image {
    /// Decodes a PNG or JPEG file (recognised by its signature, not its name).
    public init(contentsOf url: URL, limits: DecodeLimits = .standard) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GeoKitError("cannot read image file", where: url.path, remedy: "check that it exists and is readable")
        }
        try self.init(decoding: data, limits: limits, source: url.path)
    }

    /// Decodes PNG or JPEG bytes by their signature.
    public init(decoding data: Data, limits: DecodeLimits = .standard, source: String = "image data") throws {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            self = try PNG.decode(data, limits: limits, source: source)
        } else if data.starts(with: [0xFF, 0xD8]) {
            self = try JPEG.decode(data, limits: limits, source: source)
        } else {
            throw GeoKitError(
                "not a PNG or JPEG file (unknown signature)", where: source,
                remedy: "convert the image to PNG or JPEG, or skip it")
        }
    }

    /// Writes the image atomically: PNG for a `.png` name, else JPEG at `quality`.
    public func write(to url: URL, quality: Int = 95) throws {
        let data = url.pathExtension.lowercased() == "png" ? try PNG.encode(self) : try JPEG.encode(self, quality: quality)
        try AtomicFile.write(data, to: url)
    }
}
