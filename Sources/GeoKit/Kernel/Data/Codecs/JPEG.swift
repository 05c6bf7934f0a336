internal import CTurboJPEG
import Foundation
import GeoKitCore

/// JPEG through libjpeg-turbo's TurboJPEG API. libjpeg's error longjmp stays
/// inside TurboJPEG; every failure (and every corrupt-data warning, such as
/// a truncated file) comes back as a thrown `GeoKitError`.
public enum JPEG {
    /// Decodes JPEG bytes to gray (1 channel) for grayscale files, else RGB.
    public static func decode(_ data: Data, limits: DecodeLimits = .standard, source: String = "JPEG data") throws -> Image {
        guard let handle = tjInitDecompress() else {
            throw GeoKitError("cannot start the JPEG decoder", where: source, remedy: "libturbojpeg is unusable")
        }
        defer { tjDestroy(handle) }
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> Image in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress, raw.count > 0 else {
                throw GeoKitError("empty JPEG data", where: source, remedy: "the file is empty; replace it or skip it")
            }
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            guard tjDecompressHeader3(handle, base, UInt(raw.count), &width, &height, &subsampling, &colorspace) == 0 else {
                throw failure(handle, "cannot read the JPEG header", source)
            }
            let gray = colorspace == Int32(TJCS_GRAY.rawValue)
            let channels = gray ? 1 : 3
            try limits.check(width: Int(width), height: Int(height), channels: channels, format: "JPEG", source: source)
            var out = Image(height: Int(height), width: Int(width), channels: channels)
            let format = gray ? TJPF_GRAY : TJPF_RGB
            let status = out.pixels.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(
                    handle, base, UInt(raw.count), dst.baseAddress, width, 0, height,
                    Int32(format.rawValue), TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS | TJFLAG_STOPONWARNING)
            }
            guard status == 0 else { throw failure(handle, "cannot decode the JPEG image data", source) }
            return out
        }
    }

    /// Encodes gray or RGB (RGBA drops alpha) at `quality` 1...100 with 4:4:4
    /// chroma (no subsampling) unless `subsampleChroma` asks for 4:2:0.
    public static func encode(_ image: Image, quality: Int = 95, subsampleChroma: Bool = false) throws -> Data {
        require((1...100).contains(quality), "GeoKit: JPEG quality must be in 1...100, got \(quality)")
        let source = image.channels == 4 ? image.converted(toChannels: 3) : image
        guard let handle = tjInitCompress() else {
            throw GeoKitError("cannot start the JPEG encoder", where: "JPEG encoder", remedy: "libturbojpeg is unusable")
        }
        defer { tjDestroy(handle) }
        let gray = source.channels == 1
        let format = gray ? TJPF_GRAY : TJPF_RGB
        let sampling = gray ? TJSAMP_GRAY : subsampleChroma ? TJSAMP_420 : TJSAMP_444
        var buffer: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        defer { if let buffer { tjFree(buffer) } }
        let status = source.pixels.withUnsafeBufferPointer { src in
            tjCompress2(
                handle, src.baseAddress, Int32(source.width), 0, Int32(source.height), Int32(format.rawValue),
                &buffer, &size, Int32(sampling.rawValue), Int32(quality), TJFLAG_ACCURATEDCT)
        }
        guard status == 0, let buffer else {
            throw failure(handle, "cannot encode a \(source.width)x\(source.height) JPEG", "JPEG encoder")
        }
        return Data(bytes: buffer, count: Int(size))
    }

    private static func failure(_ handle: tjhandle, _ what: String, _ source: String) -> GeoKitError {
        let message = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
        return GeoKitError(
            "\(what): \(message)", where: source,
            remedy: "the file is corrupt or not a JPEG; replace it or skip it")
    }
}
