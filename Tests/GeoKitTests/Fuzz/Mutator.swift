import Foundation
import GeoKit

/// Seeded mutations of a valid file: bit flips, overwrites with boundary
/// bytes, truncations, insertions, and rewrites of the fields a decoder
/// trusts (numbers and names in a JSON or .npy header, PNG's IHDR, JPEG's
/// frame header) that keep the file framed (lengths and checksums updated),
/// so the mutation reaches the checks behind the framing.
struct Mutator {
    /// How a file's header is laid out, for the field rewrites.
    enum Framing {
        /// 8-byte little-endian header length, then the JSON header.
        case safetensors
        /// Magic, version 1.0, 2-byte header length, then the dictionary text.
        case npy
        /// The whole file is JSON text.
        case json
        /// PNG chunks with CRCs.
        case png
        /// JPEG markers.
        case jpeg
    }

    private var generator: RandomGenerator
    /// What was done, for the failure message.
    private(set) var log: [String] = []

    init(seed: UInt64) { generator = RandomGenerator(seed: seed) }

    private mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(generator.next() % UInt64(n)) }
    private mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    static let interestingBytes: [UInt8] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE, 0x20, 0x2D]
    static let interestingNumbers = [
        "-1", "1e30", "9223372036854775808", "9223372036854775807", "18446744073709551616",
        "1.5", "\"x\"", "0", "4294967296", "true", "null", "-9223372036854775808", "1099511627776", "[]"
    ]
    static let interestingNames = [
        "F16", "BF16", "I64", "U8", "BOOL", "F64", "Q7", "", ">f4", "<c8", "|f4", "<f2", ">u2", "<i8",
        "|b1", "x", "__metadata__"
    ]

    /// One to three stacked mutations of `data`.
    mutating func mutate(_ data: Data, framing: Framing) -> Data {
        var bytes = [UInt8](data)
        for _ in 0..<(1 + below(3)) {
            switch below(8) {
            case 0:
                let n = 1 + below(8)
                for _ in 0..<n where !bytes.isEmpty { bytes[below(bytes.count)] ^= 1 << UInt8(below(8)) }
                log.append("\(n) bit flips")
            case 1:
                guard !bytes.isEmpty else { continue }
                let at = below(bytes.count), value = pick(Mutator.interestingBytes)
                let run = 1 + below(8)
                for i in at..<min(bytes.count, at + run) { bytes[i] = value }
                log.append("\(run) bytes at \(at) set to \(value)")
            case 2:
                let keep = below(bytes.count + 1)
                bytes.removeSubrange(keep...)
                log.append("truncated to \(keep) bytes")
            case 3:
                let at = below(bytes.count + 1)
                let inserted = (0..<(1 + below(16))).map { _ in below(2) == 0 ? pick(Mutator.interestingBytes) : UInt8(below(256)) }
                bytes.insert(contentsOf: inserted, at: at)
                log.append("\(inserted.count) bytes inserted at \(at)")
            default:
                bytes = rewriteField(bytes, framing: framing)
            }
        }
        return Data(bytes)
    }

    private mutating func rewriteField(_ bytes: [UInt8], framing: Framing) -> [UInt8] {
        switch framing {
        case .safetensors:
            guard bytes.count >= 8 else { return bytes }
            let length = bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            guard length <= UInt64(bytes.count - 8) else { return bytes }
            let header = rewriteToken(Array(bytes[8..<(8 + Int(length))]), quote: UInt8(ascii: "\""))
            var out = withUnsafeBytes(of: UInt64(header.count).littleEndian) { [UInt8]($0) }
            if below(10) == 0 {
                out = withUnsafeBytes(of: pick([UInt64.max, UInt64(Int.max), 1 << 40, 0, UInt64(bytes.count)]).littleEndian) { [UInt8]($0) }
                log.append("header length set to \(out)")
            }
            return out + header + bytes[(8 + Int(length))...]
        case .npy:
            guard bytes.count >= 10 else { return bytes }
            let length = Int(bytes[8]) | Int(bytes[9]) << 8
            guard bytes.count >= 10 + length else { return bytes }
            let header = rewriteToken(Array(bytes[10..<(10 + length)]), quote: UInt8(ascii: "'"))
            guard header.count <= 0xFFFF else { return bytes }
            return Array(bytes[0..<8]) + [UInt8(header.count & 0xFF), UInt8(header.count >> 8)] + header + bytes[(10 + length)...]
        case .json:
            return rewriteToken(bytes, quote: UInt8(ascii: "\""))
        case .png:
            return rewritePNG(bytes)
        case .jpeg:
            return rewriteJPEG(bytes)
        }
    }

    /// Replaces one number or one quoted name in header text.
    private mutating func rewriteToken(_ text: [UInt8], quote: UInt8) -> [UInt8] {
        var tokens: [(range: Range<Int>, isNumber: Bool)] = []
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == quote, let close = text[(i + 1)...].firstIndex(of: quote) {
                tokens.append(((i + 1)..<close, false))
                i = close + 1
            } else if (0x30...0x39).contains(c) || c == UInt8(ascii: "-") {
                var j = i + 1
                while j < text.count, (0x30...0x39).contains(text[j]) || ".eE+-".utf8.contains(text[j]) { j += 1 }
                tokens.append((i..<j, true))
                i = j
            } else {
                i += 1
            }
        }
        guard !tokens.isEmpty else { return text }
        let token = pick(tokens)
        let replacement = token.isNumber ? pick(Mutator.interestingNumbers) : pick(Mutator.interestingNames)
        log.append("'\(String(decoding: text[token.range], as: UTF8.self))' rewritten to '\(replacement)'")
        var out = text
        out.replaceSubrange(token.range, with: Array(replacement.utf8))
        return out
    }

    /// Rewrites an IHDR field (width, height, bit depth, colour type, interlace) and fixes the chunk's CRC.
    private mutating func rewritePNG(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= 33 else { return bytes }
        var out = bytes
        switch below(4) {
        case 0, 1:
            let at = pick([16, 20])
            let value = pick([UInt32(0), 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 65_536, 20_001, UInt32(below(1 << 20))])
            for k in 0..<4 { out[at + k] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(k))) }
            log.append("IHDR \(at == 16 ? "width" : "height") set to \(value)")
        case 2:
            let at = pick([24, 25, 26, 27, 28])
            out[at] = pick([0, 1, 2, 3, 4, 6, 7, 8, 16, 0xFF])
            log.append("IHDR byte \(at) set to \(out[at])")
        default:
            return mutateChunkBody(bytes)
        }
        let crc = HandmadePNG.crc32(Data(out[12..<29]))
        for k in 0..<4 { out[29 + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
        return out
    }

    /// Flips bytes inside one chunk's body and fixes its CRC, so the damage reaches the inflater and the filters.
    private mutating func mutateChunkBody(_ bytes: [UInt8]) -> [UInt8] {
        var chunks: [(start: Int, length: Int)] = []
        var at = 8
        while at + 12 <= bytes.count {
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            guard at + 12 + length <= bytes.count else { break }
            chunks.append((at, length))
            at += 12 + length
        }
        guard let chunk = chunks.filter({ $0.length > 0 }).randomElement(using: &generator) else { return bytes }
        var out = bytes
        let flips = 1 + below(4)
        for _ in 0..<flips { out[chunk.start + 8 + below(chunk.length)] = UInt8(below(256)) }
        let crc = HandmadePNG.crc32(Data(out[(chunk.start + 4)..<(chunk.start + 8 + chunk.length)]))
        for k in 0..<4 { out[chunk.start + 8 + chunk.length + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(k))) }
        log.append("\(flips) bytes of a \(chunk.length)-byte chunk at \(chunk.start) changed, CRC fixed")
        return out
    }

    /// Rewrites the frame header's height, width or component count.
    private mutating func rewriteJPEG(_ bytes: [UInt8]) -> [UInt8] {
        guard let sof = (0..<max(0, bytes.count - 10)).first(where: { bytes[$0] == 0xFF && [0xC0, 0xC1, 0xC2].contains(bytes[$0 + 1]) }) else {
            return bytes
        }
        var out = bytes
        let field = pick([5, 7, 9])
        if field == 9 {
            out[sof + 9] = pick([0, 1, 2, 3, 4, 0xFF])
        } else {
            let value = pick([0, 1, 0xFFFF, 0x7FFF, 20_001, below(1 << 16)])
            out[sof + field] = UInt8(value >> 8)
            out[sof + field + 1] = UInt8(value & 0xFF)
        }
        log.append("frame header byte \(field) rewritten")
        return out
    }
}
