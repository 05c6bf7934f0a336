import Foundation

/// NumPy `.npy` arrays (format versions 1.0, 2.0 and 3.0, C order). float32
/// and float64 load as themselves; float16 and integer or boolean arrays
/// load as float32. Big-endian arrays (`>f4`) are byte-swapped. The CLI
/// exchanges arrays with Python in this format.
public enum NPY {
    public static func read(_ url: URL) throws -> Tensor {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw GeoKitError("cannot read .npy file", where: url.path, remedy: "check that the file exists")
        }
        return try decode(data, source: url.path)
    }

    /// Decodes a whole file's bytes. The header dictionary must hold exactly
    /// `descr`, `fortran_order` and `shape` (as numpy writes it), the shape
    /// non-negative integers, and the data at least the bytes the shape needs,
    /// all checked before anything is allocated.
    public static func decode(_ data: Data, source: String = ".npy data") throws -> Tensor {
        func bad(_ why: String) -> GeoKitError {
            GeoKitError("not a valid .npy array: \(why)", where: source, remedy: "save it with numpy.save(path, array.astype('float32'))")
        }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, bytes[0] == 0x93, bytes[1...5].elementsEqual("NUMPY".utf8) else {
            throw bad("missing the \\x93NUMPY magic")
        }
        let headerLength: Int, headerStart: Int
        switch bytes[6] {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw bad("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw bad("format version \(bytes[6]).\(bytes[7]) is not supported (1.0, 2.0 and 3.0 are)")
        }
        guard data.count - headerStart >= headerLength else {
            throw bad("header length \(headerLength) runs past the end of the \(data.count)-byte file")
        }
        let headerBytes = data[(data.startIndex + headerStart)..<(data.startIndex + headerStart + headerLength)]
        guard let header = String(validating: headerBytes, as: UTF8.self) else { throw bad("the header is not text") }
        let dictionary: [String: HeaderValue]
        do throws(HeaderRefusal) { dictionary = try parseHeader(header) } catch {
            throw bad("header \(header.trimmingCharacters(in: .whitespacesAndNewlines).prefix(120)): \(error.reason)")
        }
        guard case .text(let descr)? = dictionary["descr"] else { throw bad("the header's descr is not a quoted dtype") }
        guard case .flag(let fortran)? = dictionary["fortran_order"] else { throw bad("the header's fortran_order is not True or False") }
        guard case .integers(let shape)? = dictionary["shape"] else { throw bad("the header's shape is not a tuple of integers") }
        let count: Int
        switch DeclaredShape.elementCount(shape) {
        case .success(let n): count = n
        case .failure(let refusal): throw bad("shape \(shape): \(refusal.reason)")
        }
        // With at most one dimension above 1, Fortran and C order lay the data out alike.
        if fortran && shape.filter({ $0 > 1 }).count > 1 {
            throw GeoKitError(
                "not a valid .npy array: Fortran order is not supported", where: source,
                remedy: "save numpy.ascontiguousarray(array) instead")
        }
        guard let kind = ElementKind(descr) else {
            throw bad("dtype \(descr) is not supported (float16/32/64, signed and unsigned integers, bool)")
        }
        let bodyStart = headerStart + headerLength
        let available = data.count - bodyStart
        guard available / kind.width >= count else {
            throw bad("holds \(available) data bytes, shape \(shape) needs \(count * kind.width)")
        }
        let tensor = Tensor(zeros: shape, dtype: kind.code == "f8" ? .float64 : .float32)
        data.withUnsafeBytes { file in
            let raw = UnsafeRawBufferPointer(rebasing: file[bodyStart...])
            switch kind.code {
            case "f4" where !kind.bigEndian, "f8" where !kind.bigEndian:
                if let base = raw.baseAddress { tensor.storage.pointer.copyMemory(from: base, byteCount: count * kind.width) }
            case "f8":
                let p = tensor.pointer(Double.self)
                for i in 0..<count { p[i] = Double(bitPattern: kind.load(raw, i, as: UInt64.self)) }
            case "f4":
                let p = tensor.pointer(Float.self)
                for i in 0..<count { p[i] = Float(bitPattern: kind.load(raw, i, as: UInt32.self)) }
            default:
                let p = tensor.pointer(Float.self)
                for i in 0..<count { p[i] = kind.float(raw, i) }
            }
        }
        return tensor
    }

    /// A header's `descr`: byte order, kind and width (`<f4`, `>i8`, `|u1`).
    private struct ElementKind {
        let code: String  // kind letter and width, "f4"
        let width: Int
        let bigEndian: Bool

        init?(_ descr: String) {
            guard descr.count >= 3, let order = descr.first, "<>|=".contains(order),
                let width = Int(descr.dropFirst(2)),
                ["f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "b1"]
                    .contains(String(descr.dropFirst()))
            else { return nil }
            // '|' (not applicable) is how numpy marks one-byte types; '=' is native, little-endian here.
            guard width == 1 || order != "|" else { return nil }
            code = String(descr.dropFirst())
            self.width = width
            bigEndian = order == ">"
        }

        /// Element `i` in its file byte order, as a host integer.
        func load<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, _ i: Int, as: T.Type) -> T {
            let v = raw.loadUnaligned(fromByteOffset: i * width, as: T.self)
            return bigEndian ? T(bigEndian: v) : T(littleEndian: v)
        }

        func float(_ raw: UnsafeRawBufferPointer, _ i: Int) -> Float {
            switch code {
            case "f2": Float(Float16(bitPattern: load(raw, i, as: UInt16.self)))
            case "i1": Float(load(raw, i, as: Int8.self))
            case "i2": Float(load(raw, i, as: Int16.self))
            case "i4": Float(load(raw, i, as: Int32.self))
            case "i8": Float(load(raw, i, as: Int64.self))
            case "u2": Float(load(raw, i, as: UInt16.self))
            case "u4": Float(load(raw, i, as: UInt32.self))
            case "u8": Float(load(raw, i, as: UInt64.self))
            default: Float(load(raw, i, as: UInt8.self))  // u1, b1
            }
        }
    }

    private enum HeaderValue {
        case text(String), flag(Bool), integers([Int])
    }

    private struct HeaderRefusal: Error { let reason: String }

    /// Parses the Python dictionary literal numpy writes,
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`:
    /// exactly those three keys, each once, with a quoted string, a boolean
    /// and a tuple of integers.
    private static func parseHeader(_ header: String) throws(HeaderRefusal) -> [String: HeaderValue] {
        var rest = Substring(header.trimmingCharacters(in: .whitespacesAndNewlines))
        func skipSpace() { rest = rest.drop { $0 == " " } }
        func take(_ c: Character) -> Bool {
            skipSpace()
            guard rest.first == c else { return false }
            rest = rest.dropFirst()
            return true
        }
        func quoted() throws(HeaderRefusal) -> String {
            skipSpace()
            guard let quote = rest.first, quote == "'" || quote == "\"" else { throw HeaderRefusal(reason: "expected a quoted name") }
            let inner = rest.dropFirst()
            guard let close = inner.firstIndex(of: quote) else { throw HeaderRefusal(reason: "an unterminated string") }
            rest = inner[inner.index(after: close)...]
            return String(inner[..<close])
        }
        guard take("{") else { throw HeaderRefusal(reason: "not a dictionary") }
        var result: [String: HeaderValue] = [:]
        while !take("}") {
            let key = try quoted()
            guard ["descr", "fortran_order", "shape"].contains(key) else { throw HeaderRefusal(reason: "unknown key '\(key)'") }
            guard result[key] == nil else { throw HeaderRefusal(reason: "key '\(key)' appears twice") }
            guard take(":") else { throw HeaderRefusal(reason: "expected ':' after '\(key)'") }
            skipSpace()
            switch key {
            case "descr":
                result[key] = .text(try quoted())
            case "fortran_order":
                let word = rest.prefix { $0.isLetter }
                guard word == "True" || word == "False" else { throw HeaderRefusal(reason: "fortran_order '\(word.prefix(40))' is neither True nor False") }
                result[key] = .flag(word == "True")
                rest = rest.dropFirst(word.count)
            default:
                guard take("("), let close = rest.firstIndex(of: ")") else { throw HeaderRefusal(reason: "shape is not a tuple") }
                let inside = rest[..<close].trimmingCharacters(in: .whitespaces)
                rest = rest[rest.index(after: close)...]
                var items = inside.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                if inside.isEmpty {
                    items = []
                } else if items.last == "" {
                    items.removeLast()
                } else if items.count == 1 {
                    throw HeaderRefusal(reason: "a one-element shape lacks its comma, (\(inside.prefix(40))) is not a tuple")
                }
                var shape: [Int] = []
                for item in items {
                    let digits = item.hasPrefix("-") ? item.dropFirst() : item[...]
                    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                        throw HeaderRefusal(reason: "shape element '\(item.prefix(40))' is not an integer")
                    }
                    guard let d = Int(item) else { throw HeaderRefusal(reason: "shape element \(item.prefix(40)) is too large") }
                    shape.append(d)
                }
                result[key] = .integers(shape)
            }
            if !take(",") {
                guard take("}") else { throw HeaderRefusal(reason: "expected ',' or '}' after '\(key)'") }
                break
            }
        }
        skipSpace()
        guard rest.isEmpty else { throw HeaderRefusal(reason: "text after the dictionary") }
        for key in ["descr", "fortran_order", "shape"] where result[key] == nil { throw HeaderRefusal(reason: "the key '\(key)' is missing") }
        return result
    }

    public static func encode(_ tensor: Tensor) -> Data {
        let descr = tensor.dtype == .float64 ? "<f8" : "<f4"
        let shapeText =
            tensor.shape.isEmpty ? "()" : tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
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
