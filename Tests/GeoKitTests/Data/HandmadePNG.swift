import Foundation

/// A minimal, independent PNG writer for tests: stored (uncompressed) zlib
/// blocks, filter type 0, optional Adam7 interlacing and 16-bit samples, so
/// the decoder is tested on files our own encoder never produces.
enum HandmadePNG {
    /// `samples` are row-major, `channels` per pixel (1 gray, 2 gray+alpha,
    /// 3 RGB, 4 RGBA), each in 0..<(1 << bitDepth).
    static func make(width: Int, height: Int, channels: Int, bitDepth: Int, interlaced: Bool, samples: [Int]) -> Data {
        let colorType: UInt8 = [1: 0, 2: 4, 3: 2, 4: 6][channels]!
        var ihdr = Data()
        ihdr.append(bigEndian32(UInt32(width)))
        ihdr.append(bigEndian32(UInt32(height)))
        ihdr.append(contentsOf: [UInt8(bitDepth), colorType, 0, 0, interlaced ? 1 : 0])
        let passes: [(Int, Int, Int, Int)] =
            interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)]
        var raw = Data()
        for (x0, y0, dx, dy) in passes {
            let xs = Array(stride(from: x0, to: width, by: dx)), ys = Array(stride(from: y0, to: height, by: dy))
            if xs.isEmpty || ys.isEmpty { continue }
            for y in ys {
                raw.append(0)
                for x in xs {
                    for c in 0..<channels {
                        let v = samples[(y * width + x) * channels + c]
                        if bitDepth == 16 { raw.append(contentsOf: [UInt8(v >> 8), UInt8(v & 255)]) } else { raw.append(UInt8(v)) }
                    }
                }
            }
        }
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        png.append(chunk("IHDR", ihdr))
        png.append(chunk("IDAT", storedZlib(raw)))
        png.append(chunk("IEND", Data()))
        return png
    }

    static func chunk(_ type: String, _ body: Data) -> Data {
        var typed = Data(type.utf8)
        typed.append(body)
        var out = bigEndian32(UInt32(body.count))
        out.append(typed)
        out.append(bigEndian32(crc32(typed)))
        return out
    }

    static func bigEndian32(_ v: UInt32) -> Data { Data([UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)]) }

    static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func storedZlib(_ raw: Data) -> Data {
        var out = Data([0x78, 0x01])
        var offset = 0
        repeat {
            let n = min(65535, raw.count - offset)
            let final: UInt8 = offset + n == raw.count ? 1 : 0
            out.append(contentsOf: [final, UInt8(n & 255), UInt8(n >> 8), UInt8(~n & 255), UInt8((~n >> 8) & 255)])
            out.append(raw[offset..<offset + n])
            offset += n
        } while offset < raw.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        out.append(bigEndian32(b << 16 | a))
        return out
    }
}
