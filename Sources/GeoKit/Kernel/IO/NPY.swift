import Foundation

/// NumPy `.npy` arrays (version 1.0/2.0 headers, C order, little-endian
/// float32 or float64; integer arrays load as float32). The CLI exchanges
/// arrays with Python in this format.
public enum NPY {
    public static func read(_ url: URL) throws -> Tensor {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GeoKitError("cannot read .npy file", where: url.path, remedy: "check that the file exists")
        }
        return try decode(data, source: url.path)
    }

    public static func decode(_ data: Data, source: String = ".npy data") throws -> Tensor {
        func bad(_ why: String) -> GeoKitError {
            GeoKitError("not a valid .npy array: \(why)", where: source, remedy: "save it with numpy.save(path, array.astype('float32'))")
        }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, String(bytes: bytes[1...5], encoding: .ascii) == "NUMPY" else {
            throw bad("missing the \\x93NUMPY magic")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw bad("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard data.count >= headerStart + headerLength,
              let header = String(data: data.subdata(in: headerStart..<(headerStart + headerLength)), encoding: .ascii)
        else { throw bad("truncated header") }
        guard let descr = field("descr", in: header), let shapeText = field("shape", in: header) else {
            throw bad("header lacks descr or shape: \(header)")
        }
        if field("fortran_order", in: header) == "True" { throw bad("Fortran order is not supported") }
        let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()"))
            .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = Shape.count(shape)
        let body = data.subdata(in: (headerStart + headerLength)..<data.count)
        let width: Int
        switch descr {
        case "<f4", "<i4", "<u4": width = 4
        case "<f8", "<i8", "<u8": width = 8
        case "|u1", "|i1", "|b1": width = 1
        default: throw bad("dtype \(descr) is not supported (use little-endian float32)")
        }
        guard body.count >= count * width else { throw bad("holds \(body.count) data bytes, shape \(shape) needs \(count * width)") }
        let tensor = Tensor(zeros: shape, dtype: descr == "<f8" ? .float64 : .float32)
        body.withUnsafeBytes { raw in
            switch descr {
            case "<f4": tensor.storage.pointer.copyMemory(from: raw.baseAddress!, byteCount: count * 4)
            case "<f8": tensor.storage.pointer.copyMemory(from: raw.baseAddress!, byteCount: count * 8)
            default:
                let p = tensor.pointer(Float.self)
                for i in 0..<count {
                    switch descr {
                    case "<i4": p[i] = Float(raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))
                    case "<u4": p[i] = Float(raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
                    case "<i8": p[i] = Float(raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
                    case "<u8": p[i] = Float(raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                    case "|i1": p[i] = Float(raw.load(fromByteOffset: i, as: Int8.self))
                    default: p[i] = Float(raw.load(fromByteOffset: i, as: UInt8.self))
                    }
                }
            }
        }
        return tensor
    }

    /// The value text of `'key': value` in a NumPy header dictionary.
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        let rest = header[range.upperBound...].drop { $0 == " " }
        if rest.first == "(" { return rest.firstIndex(of: ")").map { String(rest[...$0]) } }
        if rest.first == "'" {
            let inner = rest.dropFirst()
            return inner.firstIndex(of: "'").map { String(inner[..<$0]) }
        }
        return rest.firstIndex(where: { $0 == "," || $0 == "}" }).map { String(rest[..<$0]).trimmingCharacters(in: .whitespaces) }
    }

    public static func encode(_ tensor: Tensor) -> Data {
        let descr = tensor.dtype == .float64 ? "<f8" : "<f4"
        let shapeText = tensor.shape.isEmpty ? "()" : tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad so that the data starts on a 64-byte boundary, ending in a newline.
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var out = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        out.append(contentsOf: Array(header.utf8))
        out.append(Data(bytes: tensor.storage.pointer, count: tensor.count * tensor.dtype.byteSize))
        return out
    }

    public static func write(_ tensor: Tensor, to url: URL) throws {
        try AtomicFile.write(encode(tensor), to: url)
    }
}
