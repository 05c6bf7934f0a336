import Foundation

/// The safetensors format (an 8-byte little-endian header length, a JSON
/// header naming each tensor's dtype, shape and byte range, then the raw
/// little-endian data). Checkpoints and test fixtures use it; files written
/// by Python's `safetensors` load here and the other way round.
public enum SafeTensors {
    /// How an entry is stored on disk. Tensors are float in memory; integer
    /// buffers such as BatchNorm's `num_batches_tracked` are stored as I64
    /// so that PyTorch loads them with their own dtype.
    public enum StoredType: String, Sendable {
        case f32 = "F32", f64 = "F64", i64 = "I64"
    }

    /// The tensors of a file (F32 -> float32, F64 -> float64, integer and
    /// 16-bit float types -> float32) and its `__metadata__` strings.
    public struct Contents {
        public var tensors: [String: Tensor]
        public var metadata: [String: String]
        public subscript(_ name: String) -> Tensor? { tensors[name] }
    }

    public static func read(_ url: URL) throws -> Contents {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw GeoKitError("cannot read safetensors file", where: url.path, remedy: "check that the file exists and is readable")
        }
        return try decode(data, source: url.path)
    }

    /// The largest header accepted, the limit of the reference implementation.
    static let maxHeaderBytes = 100_000_000

    /// Decodes a whole file's bytes. The header is validated as the format
    /// specifies before anything is allocated: every tensor entry has exactly
    /// `dtype`, `shape` (non-negative integers) and `data_offsets` (two
    /// integers), the byte ranges fit their shapes and tile the data section
    /// from 0 to its end without gaps or overlaps, and `__metadata__` maps
    /// strings to strings. So no tensor allocates more than the file holds.
    public static func decode(_ data: Data, source: String = "safetensors data") throws -> Contents {
        func bad(_ why: String) -> GeoKitError {
            GeoKitError("not a valid safetensors file: \(why)", where: source, remedy: "write it with safetensors (Python) or GeoKit")
        }
        guard data.count >= 8 else { throw bad("shorter than its 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else { throw bad("header length \(headerLength) exceeds the file size") }
        guard headerLength <= UInt64(maxHeaderBytes) else { throw bad("header length \(headerLength) exceeds the 100 MB limit") }
        let payloadStart = data.startIndex + 8 + Int(headerLength)
        let header: HeaderJSON
        do throws(HeaderJSON.ParseError) { header = try HeaderJSON.parse(data[(data.startIndex + 8)..<payloadStart]) } catch {
            throw bad("the header is not valid JSON: \(error.message)")
        }
        guard case .object(let members) = header else { throw bad("the header is not a JSON object") }
        let payloadCount = data.count - 8 - Int(headerLength)
        var metadata: [String: String] = [:]
        var layouts: [(name: String, dtype: String, shape: [Int], count: Int, range: Range<Int>)] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else { throw bad("__metadata__ is \(value.summary), not an object of strings") }
                for (k, v) in pairs {
                    guard case .string(let text) = v else { throw bad("__metadata__ field '\(k)' is \(v.summary), not a string") }
                    metadata[k] = text
                }
                continue
            }
            layouts.append(try layout(name, value, payloadCount: payloadCount, bad: bad))
        }
        // The ranges must tile the data section, as Python's safetensors requires.
        var end = 0
        for entry in layouts.sorted(by: { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }) {
            guard entry.range.lowerBound == end else {
                throw bad(
                    entry.range.lowerBound < end
                        ? "entry '\(entry.name)' overlaps the entry before it (data_offsets \(entry.range.lowerBound) < \(end))"
                        : "a gap in the data before entry '\(entry.name)' (data_offsets start \(entry.range.lowerBound), expected \(end))")
            }
            end = entry.range.upperBound
        }
        guard end == payloadCount else { throw bad("the entries cover \(end) of the \(payloadCount) data bytes") }

        var tensors: [String: Tensor] = [:]
        data.withUnsafeBytes { file in
            for entry in layouts {
                let raw = UnsafeRawBufferPointer(rebasing: file[(8 + Int(headerLength) + entry.range.lowerBound)...].prefix(entry.range.count))
                let tensor = Tensor(zeros: entry.shape, dtype: entry.dtype == "F64" ? .float64 : .float32)
                switch entry.dtype {
                case "F32", "F64":
                    if let base = raw.baseAddress { tensor.storage.pointer.copyMemory(from: base, byteCount: raw.count) }
                default:
                    let p = tensor.pointer(Float.self)
                    for i in 0..<entry.count { p[i] = decodeScalar(raw, index: i, dtype: entry.dtype) }
                }
                tensors[entry.name] = tensor
            }
        }
        return Contents(tensors: tensors, metadata: metadata)
    }

    /// One tensor entry of the header, checked: its dtype, shape, element count and byte range.
    private static func layout(_ name: String, _ value: HeaderJSON, payloadCount: Int, bad: (String) -> GeoKitError) throws
        -> (name: String, dtype: String, shape: [Int], count: Int, range: Range<Int>)
    {
        guard case .object(let fields) = value else { throw bad("entry '\(name)' is \(value.summary), not an object") }
        let names = Set(fields.map(\.key))
        for required in ["dtype", "shape", "data_offsets"] where !names.contains(required) {
            throw bad("entry '\(name)' lacks its \(required) field")
        }
        if let extra = fields.first(where: { !["dtype", "shape", "data_offsets"].contains($0.key) }) {
            throw bad("entry '\(name)' has an unknown field '\(extra.key)'")
        }
        let field = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value) })
        guard case .string(let dtype) = field["dtype"]! else { throw bad("entry '\(name)' has dtype \(field["dtype"]!.summary), not a string") }
        let width: Int
        switch dtype {
        case "F32", "I32": width = 4
        case "F64", "I64": width = 8
        case "F16", "BF16", "I16": width = 2
        case "U8", "I8", "BOOL": width = 1
        default: throw bad("entry '\(name)' has unsupported dtype \(dtype)")
        }
        func integers(_ key: String) throws -> [Int] {
            guard case .array(let items) = field[key]! else { throw bad("entry '\(name)' has \(key) \(field[key]!.summary), not an array") }
            return try items.map { item in
                guard let n = item.integer else { throw bad("entry '\(name)' has \(key) element \(item.summary), not an integer") }
                return n
            }
        }
        let shape = try integers("shape")
        let count: Int
        switch DeclaredShape.elementCount(shape) {
        case .success(let n): count = n
        case .failure(let refusal): throw bad("entry '\(name)' has shape \(shape): \(refusal.reason)")
        }
        let offsets = try integers("data_offsets")
        guard offsets.count == 2 else { throw bad("entry '\(name)' has \(offsets.count) data_offsets, not 2") }
        guard offsets[0] >= 0, offsets[0] <= offsets[1] else { throw bad("entry '\(name)' has data_offsets \(offsets) out of order") }
        guard offsets[1] <= payloadCount else {
            throw bad("entry '\(name)' has data_offsets \(offsets) beyond the \(payloadCount) data bytes")
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, offsets[1] - offsets[0] == bytes else {
            throw bad("entry '\(name)' has byte range \(offsets) that does not fit shape \(shape) x \(dtype)")
        }
        return (name, dtype, shape, count, offsets[0]..<offsets[1])
    }

    private static func decodeScalar(_ raw: UnsafeRawBufferPointer, index i: Int, dtype: String) -> Float {
        switch dtype {
        case "I64": return Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
        case "I32": return Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        case "I16": return Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)))
        case "F16": return Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
        case "BF16": return Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)) << 16)
        case "I8": return Float(raw.load(fromByteOffset: i, as: Int8.self))
        default: return Float(raw.load(fromByteOffset: i, as: UInt8.self))
        }
    }

    /// Encodes entries (sorted by name, as Python's safetensors does) with
    /// metadata. An I64 entry must hold integers within Int64's range (a NaN
    /// step counter would otherwise become an arbitrary number on disk).
    public static func encode(_ entries: [NamedTensor], metadata: [String: String] = [:]) throws -> Data {
        let sorted = entries.sorted { $0.name < $1.name }
        var header: [String: Any] = [:]
        var payload = Data()
        for e in sorted {
            let start = payload.count
            let count = e.tensor.count
            let stored: StoredType = e.isInteger ? .i64 : (e.tensor.dtype == .float64 ? .f64 : .f32)
            switch stored {
            case .f32:
                let t = e.tensor.to(.float32)
                payload.append(Data(bytes: t.storage.pointer, count: count * 4))
            case .f64:
                let t = e.tensor.to(.float64)
                payload.append(Data(bytes: t.storage.pointer, count: count * 8))
            case .i64:
                let values = try e.tensor.scalars(as: Double.self).map { x in
                    guard let n = Int64(exactly: x) else {
                        throw GeoKitError(
                            "cannot store \(e.name) = \(x) as an I64 integer buffer", where: "SafeTensors.encode",
                            remedy: "an integer buffer (such as num_batches_tracked) must hold whole numbers; reset it before saving")
                    }
                    return n.littleEndian
                }
                values.withUnsafeBytes { payload.append(contentsOf: $0) }
            }
            header[e.name] = ["dtype": stored.rawValue, "shape": e.tensor.shape, "data_offsets": [start, payload.count]]
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = (try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) ?? Data("{}".utf8)
        // Pad the header with spaces so the payload starts 8-byte aligned.
        while (json.count % 8) != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(payload)
        return out
    }

    /// Writes atomically: to a temporary file beside `url`, then renamed over it.
    public static func write(_ entries: [NamedTensor], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(try encode(entries, metadata: metadata), to: url)
    }
}
