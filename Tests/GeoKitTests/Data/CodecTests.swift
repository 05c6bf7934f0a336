import Foundation
import GeoKit
import XCTest

final class CodecTests: XCTestCase {
    /// A smooth test pattern with some detail, deterministic.
    static func pattern(height: Int, width: Int, channels: Int) -> Image {
        var image = Image(height: height, width: width, channels: channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let v = 128 + 90 * sin(Double(x) * 0.11 + Double(c)) * cos(Double(y) * 0.07) + Double((x * 7 + y * 3) % 20)
                    image[y, x, c] = UInt8(min(max(v, 0), 255))
                }
            }
        }
        return image
    }

    func testPNGRoundTripIsExact() throws {
        for channels in [1, 3, 4] {
            let image = Self.pattern(height: 37, width: 53, channels: channels)
            let decoded = try PNG.decode(try PNG.encode(image))
            XCTAssertEqual(decoded, image, "\(channels) channels")
        }
    }

    func testPNGReadsInterlacedSixteenBitAndGrayAlpha() throws {
        let (w, h) = (13, 11)
        let gray8 = (0..<(w * h)).map { ($0 * 37) % 256 }
        let interlaced = try PNG.decode(HandmadePNG.make(width: w, height: h, channels: 1, bitDepth: 8, interlaced: true, samples: gray8))
        XCTAssertEqual(interlaced.pixels, gray8.map { UInt8($0) })
        let rgb16 = (0..<(w * h * 3)).map { ($0 * 997) % 65536 }
        let deep = try PNG.decode(HandmadePNG.make(width: w, height: h, channels: 3, bitDepth: 16, interlaced: true, samples: rgb16))
        XCTAssertEqual(deep.channels, 3)
        for (value, byte) in zip(rgb16, deep.pixels) { XCTAssertLessThanOrEqual(abs(value / 257 - Int(byte)), 1) }
        let grayAlpha = (0..<(w * h * 2)).map { $0 % 2 == 0 ? ($0 * 5) % 256 : 255 }
        let ga = try PNG.decode(HandmadePNG.make(width: w, height: h, channels: 2, bitDepth: 8, interlaced: false, samples: grayAlpha))
        XCTAssertEqual(ga.channels, 4)
        XCTAssertEqual(ga[2, 3, 0], UInt8(grayAlpha[(2 * w + 3) * 2]))
        XCTAssertEqual(ga[2, 3, 3], 255)
    }

    func testJPEGRoundTripWithinPSNR() throws {
        for channels in [1, 3] {
            let image = Self.pattern(height: 64, width: 96, channels: channels)
            let decoded = try JPEG.decode(try JPEG.encode(image, quality: 95))
            XCTAssertEqual(decoded.channels, channels)
            var squared = 0.0
            for (a, b) in zip(image.pixels, decoded.pixels) { squared += pow(Double(a) - Double(b), 2) }
            let psnr = 10 * log10(255 * 255 / (squared / Double(image.pixels.count)))
            XCTAssertGreaterThan(psnr, 35, "\(channels) channels: PSNR \(psnr) dB")
        }
    }

    func testHugeDeclaredSizesAreRefusedBeforeAllocation() throws {
        let small = HandmadePNG.make(width: 2, height: 2, channels: 1, bitDepth: 8, interlaced: false, samples: [1, 2, 3, 4])
        var huge = small
        var ihdr = Data("IHDR".utf8)
        ihdr.append(HandmadePNG.bigEndian32(30_000)); ihdr.append(HandmadePNG.bigEndian32(30_000))
        ihdr.append(contentsOf: [8, 0, 0, 0, 0])
        huge.replaceSubrange(12..<29, with: ihdr)
        huge.replaceSubrange(29..<33, with: HandmadePNG.bigEndian32(HandmadePNG.crc32(ihdr)))
        XCTAssertThrowsError(try PNG.decode(huge)) { error in
            XCTAssertTrue("\(error)".contains("decode limit"), "\(error)")
        }
        var jpeg = try JPEG.encode(Self.pattern(height: 16, width: 16, channels: 3))
        let sof = Self.startOfFrame(jpeg)!
        jpeg.replaceSubrange(sof + 5..<sof + 9, with: [0x50, 0x00, 0x50, 0x00])
        XCTAssertThrowsError(try JPEG.decode(jpeg)) { error in
            XCTAssertTrue("\(error)".contains("decode limit"), "\(error)")
        }
    }

    /// 2,000 mutated PNG and JPEG files: each decodes to a bounded image or
    /// throws a GeoKitError, quickly; nothing crashes.
    func testMutatedFilesDecodeOrThrowClearly() throws {
        var bases: [Data] = []
        for channels in [1, 3, 4] { bases.append(try PNG.encode(Self.pattern(height: 24, width: 40, channels: channels))) }
        bases.append(
            HandmadePNG.make(
                width: 9, height: 7, channels: 3, bitDepth: 16, interlaced: true,
                samples: (0..<189).map { $0 * 300 }))
        for channels in [1, 3] { bases.append(try JPEG.encode(Self.pattern(height: 24, width: 40, channels: channels))) }
        bases.append(try JPEG.encode(Self.pattern(height: 24, width: 40, channels: 3), quality: 60, subsampleChroma: true))
        var generator = RandomGenerator(seed: 4)
        func random(_ n: Int) -> Int { Int(generator.next() % UInt64(max(n, 1))) }
        var decoded = 0, refused = 0
        let limits = DecodeLimits(maxDimension: 4096, maxBytes: 16 << 20)
        let start = Date()
        for trial in 0..<2000 {
            var data = bases[trial % bases.count]
            switch trial % 5 {
            case 0: data = data.prefix(random(data.count))
            case 1: for _ in 0..<(1 + random(8)) { data[random(data.count)] ^= UInt8(1 << random(8)) }
            case 2: for _ in 0..<(1 + random(4)) { data[random(min(40, data.count))] = UInt8(random(256)) }
            case 3:
                let at = random(data.count)
                data.replaceSubrange(at..<min(data.count, at + 4), with: [0xFF, 0xFF, 0xFF, 0xFF])
            default:
                if let sof = Self.startOfFrame(data) {
                    data.replaceSubrange(sof + 5..<sof + 9, with: [UInt8(random(256)), UInt8(random(256)), UInt8(random(256)), UInt8(random(256))])
                } else {
                    data.replaceSubrange(16..<24, with: (0..<8).map { _ in UInt8(random(256)) })
                }
            }
            let began = Date()
            do {
                let image = try Image(decoding: data, limits: limits, source: "mutant \(trial)")
                XCTAssertLessThanOrEqual(image.pixels.count, limits.maxBytes)
                decoded += 1
            } catch let error as GeoKitError {
                XCTAssertTrue(error.description.contains("mutant \(trial)"), error.description)
                refused += 1
            }
            XCTAssertLessThan(Date().timeIntervalSince(began), 2, "mutant \(trial) took too long")
        }
        XCTAssertEqual(decoded + refused, 2000)
        XCTAssertGreaterThan(refused, 500)
        XCTAssertLessThan(Date().timeIntervalSince(start), 60)
    }

    func testResizeAntialiasesWhenShrinkingAndNormalises() throws {
        var stripes = Image(height: 8, width: 64, channels: 1)
        for y in 0..<8 { for x in 0..<64 { stripes[y, x, 0] = x % 2 == 0 ? 255 : 0 } }
        let small = stripes.resized(height: 2, width: 8)
        for v in small.pixels { XCTAssertEqual(Double(v), 127.5, accuracy: 8) }
        let flat = Image(height: 5, width: 7, channels: 3, value: 200)
        XCTAssertEqual(flat.resized(height: 11, width: 3), Image(height: 11, width: 3, channels: 3, value: 200))
        let t = flat.tensor()
        XCTAssertEqual(t.shape, [1, 3, 5, 7])
        XCTAssertEqual(Image(tensor: t), flat)
        let n = t.normalized(mean: ChannelStatistics.imageNet.mean, std: ChannelStatistics.imageNet.std)
        XCTAssertEqual(n.scalars()[0], Float((200.0 / 255 - 0.485) / 0.229), accuracy: 1e-5)
    }

    /// The offset of the first SOF0/SOF2 marker, or nil.
    static func startOfFrame(_ data: Data) -> Int? {
        let bytes = [UInt8](data)
        guard bytes.count > 10 else { return nil }
        for i in 0..<(bytes.count - 10) where bytes[i] == 0xFF && (bytes[i + 1] == 0xC0 || bytes[i + 1] == 0xC2) { return i }
        return nil
    }
}
