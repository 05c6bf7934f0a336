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

    public struct Entry {
        public var name: String
        public var tensor: Tensor
        public var storedAs: StoredType
        public init(_ name: String, _ tensor: Tensor, storedAs: StoredType? = nil) {
            self.name = name
            self.tensor = tensor
            self.storedAs = storedAs ?? (tensor.dtype == .float64 ? .f64 : .f32)
        }
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

    public static func decode(_ data: Data, source: String = "safetensors data") throws -> Contents {
        func bad(_ why: String) -> GeoKitError {
            GeoKitError("not a valid safetensors file: \(why)", where: source, remedy: "write it with safetensors (Python) or GeoKit")
        }
        guard data.count >= 8 else { throw bad("shorter than its 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8) else { throw bad("header length \(headerLength) exceeds the file size") }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        let payload = data.subdata(in: (8 + Int(headerLength))..<data.count)
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = v as? String ?? "\(v)" }
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = (info["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (info["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2 else { throw bad("entry '\(name)' lacks dtype, shape or data_offsets") }
            let count = Shape.count(shape)
            let width: Int
            switch dtype {
            case "F32", "I32": width = 4
            case "F64", "I64": width = 8
            case "F16", "BF16", "I16": width = 2
            case "U8", "I8", "BOOL": width = 1
            default: throw bad("entry '\(name)' has unsupported dtype \(dtype)")
            }
            guard offsets[0] >= 0, offsets[1] - offsets[0] == count * width, offsets[1] <= payload.count else {
                throw bad("entry '\(name)' has byte range \(offsets) that does not fit shape \(shape) x \(dtype)")
            }
            let bytes = payload.subdata(in: offsets[0]..<offsets[1])
            let tensor = Tensor(zeros: shape, dtype: dtype == "F64" ? .float64 : .float32)
            bytes.withUnsafeBytes { raw in
                switch dtype {
                case "F32": tensor.storage.pointer.copyMemory(from: raw.baseAddress!, byteCount: count * 4)
                case "F64": tensor.storage.pointer.copyMemory(from: raw.baseAddress!, byteCount: count * 8)
                default:
                    let p = tensor.pointer(Float.self)
                    for i in 0..<count { p[i] = decodeScalar(raw, index: i, dtype: dtype) }
                }
            }
            tensors[name] = tensor
        }
        return Contents(tensors: tensors, metadata: metadata)
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

    /// Encodes entries (sorted by name, as Python's safetensors does) with metadata.
    public static func encode(_ entries: [Entry], metadata: [String: String] = [:]) -> Data {
        let sorted = entries.sorted { $0.name < $1.name }
        var header: [String: Any] = [:]
        var payload = Data()
        for e in sorted {
            let start = payload.count
            let count = e.tensor.count
            switch e.storedAs {
            case .f32:
                let t = e.tensor.to(.float32)
                payload.append(Data(bytes: t.storage.pointer, count: count * 4))
            case .f64:
                let t = e.tensor.to(.float64)
                payload.append(Data(bytes: t.storage.pointer, count: count * 8))
            case .i64:
                let values = e.tensor.scalars(as: Double.self).map { Int64($0.rounded()).littleEndian }
                values.withUnsafeBytes { payload.append(contentsOf: $0) }
            }
            header[e.name] = ["dtype": e.storedAs.rawValue, "shape": e.tensor.shape, "data_offsets": [start, payload.count]]
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
    public static func write(_ entries: [Entry], metadata: [String: String] = [:], to url: URL) throws {
        try AtomicFile.write(encode(entries, metadata: metadata), to: url)
    }
}
