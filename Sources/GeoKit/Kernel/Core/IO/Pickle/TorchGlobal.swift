/// The only Python globals a PyTorch checkpoint may name. A state dict
/// needs an ordered dict, the functions that rebuild tensors and parameters
/// from storages, and the storage types; any other global (`os.system`,
/// `builtins.eval`, a model class) is refused before anything else happens,
/// so reading a checkpoint never executes code.
enum TorchGlobal: Equatable {
    case orderedDict
    case rebuildTensor
    case rebuildTensorV2
    case rebuildParameter
    case rebuildParameterWithState
    case storageType(TorchScalarType)
    /// `_codecs.encode(text, "latin1")`: how protocol 2 pickles a `bytes` object.
    case codecsEncode

    init?(module: String, name: String) {
        switch (module, name) {
        case ("collections", "OrderedDict"): self = .orderedDict
        case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
        case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
        case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
        case ("_codecs", "encode"): self = .codecsEncode
        case ("torch", _):
            guard let type = TorchScalarType(storageName: name) else { return nil }
            self = .storageType(type)
        default: return nil
        }
    }

    var qualifiedName: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensor: "torch._utils._rebuild_tensor"
        case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: "torch._utils._rebuild_parameter_with_state"
        case .storageType(let type): "torch.\(type.storageName)"
        case .codecsEncode: "_codecs.encode"
        }
    }
}

/// The element types of PyTorch storages, with their sizes and the names
/// of their legacy storage classes.
enum TorchScalarType: CaseIterable {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    var storageName: String {
        switch self {
        case .float32: "FloatStorage"
        case .float64: "DoubleStorage"
        case .float16: "HalfStorage"
        case .bfloat16: "BFloat16Storage"
        case .int64: "LongStorage"
        case .int32: "IntStorage"
        case .int16: "ShortStorage"
        case .int8: "CharStorage"
        case .uint8: "ByteStorage"
        case .bool: "BoolStorage"
        }
    }

    init?(storageName: String) {
        guard let type = TorchScalarType.allCases.first(where: { $0.storageName == storageName }) else { return nil }
        self = type
    }

    var byteSize: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    /// The GeoKit dtype a tensor of this type loads as: float64 stays
    /// float64, everything else (counters, masks, half precision) becomes
    /// float32, as safetensors files do.
    var loadedDType: DType { self == .float64 ? .float64 : .float32 }

    /// Element `i` of little-endian raw storage bytes, as a Float.
    func float(_ raw: UnsafeRawBufferPointer, at i: Int) -> Float {
        switch self {
        case .float32: Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        case .float64: Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))))
        case .float16: Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
        case .bfloat16: Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16)
        case .int64: Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: Int64.self)))
        case .int32: Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
        case .int16: Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)))
        case .int8: Float(raw.load(fromByteOffset: i, as: Int8.self))
        case .uint8, .bool: Float(raw.load(fromByteOffset: i, as: UInt8.self))
        }
    }

    /// Element `i` as a Double (exact for float64 storages).
    func double(_ raw: UnsafeRawBufferPointer, at i: Int) -> Double {
        self == .float64
            ? Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            : Double(float(raw, at: i))
    }
}

/// A storage the pickle refers to by key; its bytes live in the zip entry
/// `data/<key>` or, in the legacy format, after the pickles.
struct TorchStorageReference {
    let key: String
    let type: TorchScalarType
    let count: Int
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage.
struct TorchTensorReference {
    let storage: TorchStorageReference
    let offset: Int
    let shape: [Int]
    let strides: [Int]
}
