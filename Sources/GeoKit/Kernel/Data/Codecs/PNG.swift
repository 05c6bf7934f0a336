internal import CPNG
import Foundation
import GeoKitCore

/// PNG through libpng's simplified `png_image` API, which reports errors by
/// return value (its longjmp stays inside libpng), so a corrupt file becomes
/// a thrown `GeoKitError` and never unwinds through Swift frames.
///
/// Decoding yields 8-bit gray, RGB or RGBA: palette images are expanded,
/// gray+alpha becomes RGBA, 16-bit samples are scaled to 8 bits (v / 257, as
/// stored, without gamma conversion), and
/// interlaced files are de-interlaced.
public enum PNG {
    /// Decodes PNG bytes. `source` names the file in error messages.
    public static func decode(_ data: Data, limits: DecodeLimits = .standard, source: String = "PNG data") throws -> Image {
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> Image in
            guard let base = raw.baseAddress, raw.count > 0 else {
                throw GeoKitError("empty PNG data", where: source, remedy: "the file is empty; replace it or skip it")
            }
            var image = png_image()
            image.version = UInt32(PNG_IMAGE_VERSION)
            defer { png_image_free(&image) }
            guard png_image_begin_read_from_memory(&image, base, raw.count) != 0 else {
                throw failure(&image, "cannot read the PNG header", source)
            }
            let format = image.format
            let channels: Int, outputFormat: UInt32
            if format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0 {
                (channels, outputFormat) = (4, rgba)
            } else if format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0 {
                (channels, outputFormat) = (3, rgb)
            } else {
                (channels, outputFormat) = (1, gray)
            }
            let width = Int(image.width), height = Int(image.height)
            let bytesPerSample = format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 ? 2 : 1
            try limits.check(width: width, height: height, channels: channels * bytesPerSample, format: "PNG", source: source)
            var out = Image(height: height, width: width, channels: channels)
            if format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 {
                // 16-bit samples: read them as stored (linear output does no
                // gamma encoding), undo libpng's alpha premultiplication, scale to 8 bits.
                image.format = outputFormat | UInt32(PNG_FORMAT_FLAG_LINEAR)
                var deep = [UInt16](repeating: 0, count: width * height * channels)
                let finished = deep.withUnsafeMutableBytes { dst in
                    png_image_finish_read(&image, nil, dst.baseAddress, Int32(width * channels), nil)
                }
                guard finished != 0 else { throw failure(&image, "cannot decode the PNG image data", source) }
                for p in 0..<(width * height) {
                    let alpha = channels == 4 ? Int(deep[p * 4 + 3]) : 65535
                    for k in 0..<channels {
                        var v = Int(deep[p * channels + k])
                        if channels == 4 && k < 3 { v = alpha == 0 ? 0 : min(65535, (v * 65535 + alpha / 2) / alpha) }
                        out.pixels[p * channels + k] = UInt8((v + 128) / 257)
                    }
                }
                return out
            }
            image.format = outputFormat
            let finished = out.pixels.withUnsafeMutableBytes { dst in
                png_image_finish_read(&image, nil, dst.baseAddress, Int32(width * channels), nil)
            }
            guard finished != 0 else { throw failure(&image, "cannot decode the PNG image data", source) }
            return out
        }
    }

    /// Encodes an image losslessly (gray, RGB or RGBA by its channel count).
    public static func encode(_ image: Image) throws -> Data {
        var info = png_image()
        info.version = UInt32(PNG_IMAGE_VERSION)
        info.width = UInt32(image.width)
        info.height = UInt32(image.height)
        info.format = image.channels == 1 ? gray : image.channels == 3 ? rgb : rgba
        defer { png_image_free(&info) }
        let stride = Int32(image.width * image.channels)
        var size = 0
        let sized = image.pixels.withUnsafeBytes { src in
            png_image_write_to_memory(&info, nil, &size, 0, src.baseAddress, stride, nil)
        }
        guard sized != 0, size > 0 else { throw failure(&info, "cannot encode a \(image.width)x\(image.height) PNG", "PNG encoder") }
        var data = Data(count: size)
        let written = data.withUnsafeMutableBytes { dst in
            image.pixels.withUnsafeBytes { src in
                png_image_write_to_memory(&info, dst.baseAddress, &size, 0, src.baseAddress, stride, nil)
            }
        }
        guard written != 0 else { throw failure(&info, "cannot encode a \(image.width)x\(image.height) PNG", "PNG encoder") }
        return data.prefix(size)
    }

    // libpng's sample layouts (the composite PNG_FORMAT_* macros do not import).
    private static let gray: UInt32 = 0
    private static let rgb = UInt32(PNG_FORMAT_FLAG_COLOR)
    private static let rgba = UInt32(PNG_FORMAT_FLAG_COLOR) | UInt32(PNG_FORMAT_FLAG_ALPHA)

    private static func failure(_ image: inout png_image, _ what: String, _ source: String) -> GeoKitError {
        let message = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return GeoKitError(
            "\(what): \(message.isEmpty ? "not a PNG file" : message)", where: source,
            remedy: "the file is corrupt or not a PNG; replace it or skip it")
    }
}
