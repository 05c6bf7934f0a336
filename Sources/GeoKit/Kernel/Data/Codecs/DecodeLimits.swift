import GeoKitCore

/// Bounds a decoder checks against the sizes a file declares, before it
/// allocates anything: a 40-byte file claiming 100000 x 100000 pixels is
/// refused instead of exhausting memory.
public struct DecodeLimits: Sendable {
    public var maxDimension: Int
    public var maxBytes: Int

    public init(maxDimension: Int = 20_000, maxBytes: Int = 512 << 20) {
        self.maxDimension = maxDimension
        self.maxBytes = maxBytes
    }

    public static let standard = DecodeLimits()

    /// Throws when a declared width x height x channels image exceeds the limits.
    func check(width: Int, height: Int, channels: Int, format: String, source: String) throws {
        guard width > 0, height > 0 else {
            throw GeoKitError(
                "\(format) declares an empty image (\(width)x\(height))", where: source,
                remedy: "the file is corrupt; replace it or skip it")
        }
        guard width <= maxDimension, height <= maxDimension, width * height * channels <= maxBytes else {
            throw GeoKitError(
                "\(format) declares \(width)x\(height) pixels, above the decode limit of \(maxDimension) per side and \(maxBytes >> 20) MiB",
                where: source, remedy: "the file is corrupt or too large; resize it, or raise DecodeLimits")
        }
    }
}
