import Foundation

/// PyTorch checkpoints (`.pth`, `.pt`, `.bin`), read without Python, in
/// both formats `torch.save` writes:
///
/// - the zip format (torch >= 1.6): `<archive>/data.pkl` holds the pickled
///   object and `<archive>/data/<key>` each storage's raw bytes;
/// - the legacy format (`_use_new_zipfile_serialization=False`, and files
///   from torch < 1.6): a magic-number pickle, the protocol version, the
///   system info, the object, the list of storage keys, then each storage as
///   an 8-byte element count followed by its bytes.
///
/// The pickle is read by `RestrictedUnpickler`, which executes nothing and
/// refuses any global but the few a state dict needs. Float64 tensors load
/// as float64; every other type (half precision, integer counters) as
/// float32, as safetensors files do.
///
/// ```swift
/// let weights = try TorchCheckpoint.read(URL(fileURLWithPath: "resnet50.pth"))
/// try model.loadStateDict(weights, strict: false)
/// ```
///
/// The object may be a state dict, or a dict that holds one under
/// `state_dict`, `model_state_dict`, `model` or `net` (training checkpoints);
/// otherwise nested dicts of tensors are flattened to dotted keys and
/// entries that are not tensors (an epoch counter, a config) are skipped.
public enum TorchCheckpoint {
    /// The keys under which training scripts commonly wrap a state dict.
    static let wrapperKeys = ["state_dict", "model_state_dict", "model", "net"]
    /// A pickle larger than this is not a state dict's (whose tensors live outside it).
    static let pickleLimit = 256 << 20

    public static func read(_ url: URL) throws -> [String: Tensor] {
        try load(url).mapValues(\.tensor)
    }

    /// The tensors as safetensors entries that keep float64 and int64 (counters such as
    /// `num_batches_tracked`) as they were; other types are stored as F32, which holds their values exactly.
    public static func entries(_ url: URL) throws -> [NamedTensor] {
        try load(url).sorted { $0.key < $1.key }.map { name, loaded in
            NamedTensor(name, loaded.tensor, isInteger: loaded.type == .int64)
        }
    }

    typealias Loaded = (tensor: Tensor, type: TorchScalarType)

    private static func load(_ url: URL) throws -> [String: Loaded] {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw GeoKitError("cannot read the checkpoint", where: url.path, remedy: "check that the file exists and is readable")
        }
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try readZip(url) }
        if data.first == 0x80 { return try readLegacy([UInt8](data), source: url.path) }
        if data.count > 262, data[257..<262].elementsEqual("ustar".utf8) {
            throw GeoKitError(
                "a tar-format checkpoint (PyTorch < 0.4) is not supported", where: url.path,
                remedy: "load it with an old PyTorch and save it again with torch.save")
        }
        throw GeoKitError(
            "not a PyTorch checkpoint (neither a zip archive nor a pickle)", where: url.path,
            remedy: "pass a file written by torch.save, or a .safetensors file")
    }

    // MARK: - The two formats

    private static func readZip(_ url: URL) throws -> [String: Loaded] {
        let archive = try ZipArchive(url)
        let pickles = archive.names.filter { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }
        guard pickles.count == 1, let pickle = pickles.first else {
            throw GeoKitError(
                "a zip archive with \(pickles.count) data.pkl entries is not a PyTorch checkpoint", where: url.path,
                remedy: "pass a file written by torch.save")
        }
        let prefix = String(pickle.dropLast("data.pkl".count))
        if archive.contains(prefix + "byteorder") {
            let order = String(decoding: try archive.read(prefix + "byteorder", limit: 16), as: UTF8.self)
            guard order == "little" else {
                throw GeoKitError(
                    "the checkpoint was written on a \(order)-endian machine", where: url.path,
                    remedy: "save it again on a little-endian machine, or convert it to safetensors")
            }
        }
        var unpickler = RestrictedUnpickler(try archive.read(pickle, limit: pickleLimit), source: "\(url.path): \(pickle)")
        let tensors = try stateDict(try unpickler.load(), source: url.path)
        var blobs: [String: [UInt8]] = [:]
        for (key, storage) in unpickler.storages {
            blobs[key] = try archive.read(prefix + "data/" + key, exactly: try byteCount(storage, source: url.path))
        }
        return try tensors.mapValues { try materialise($0, from: blobs, source: url.path) }
    }

    /// 0x1950a86a20f9469cfc6c, little-endian, as the legacy format's first pickle holds it.
    private static let legacyMagic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    private static func readLegacy(_ bytes: [UInt8], source: String) throws -> [String: Loaded] {
        func bad(_ why: String) -> GeoKitError {
            GeoKitError(
                "not a readable PyTorch checkpoint: \(why)", where: source,
                remedy: "save it with torch.save(model.state_dict(), path), or convert it to safetensors in Python")
        }
        var unpickler = RestrictedUnpickler(bytes, source: source)
        guard case .bigInt(let magic) = try unpickler.load(), magic == legacyMagic else {
            throw bad("a pickle without PyTorch's magic number (a plain pickle is not a checkpoint)")
        }
        guard case .int(let version) = try unpickler.load(), version == 1001 else { throw bad("an unknown legacy protocol version") }
        guard case .dict(let info) = try unpickler.load() else { throw bad("the system information is missing") }
        if case .bool(false)? = info[.string("little_endian")] {
            throw bad("it was written on a big-endian machine")
        }
        let tensors = try stateDict(try unpickler.load(), source: source)
        guard case .list(let keyList) = try unpickler.load() else { throw bad("the list of storage keys is missing") }

        var offset = unpickler.endPosition
        var blobs: [String: [UInt8]] = [:]
        for item in keyList.items {
            let key: String
            switch item {
            case .string(let s): key = s
            case .int(let i): key = String(i)
            default: throw bad("a storage key that is a \(item.kind)")
            }
            guard let storage = unpickler.storages[key] else { throw bad("storage \(key) is stored but never named") }
            guard bytes.count - offset >= 8 else { throw bad("the file ends before storage \(key)") }
            let stored = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
            offset += 8
            let needed = try byteCount(storage, source: source)
            guard stored == UInt64(storage.count), needed <= bytes.count - offset else {
                throw bad("storage \(key) holds \(stored) elements of \(storage.count) named, or the file ends inside it")
            }
            blobs[key] = Array(bytes[offset..<(offset + needed)])
            offset += needed
        }
        return try tensors.mapValues { try materialise($0, from: blobs, source: source) }
    }

    // MARK: - From the pickled object to tensors

    /// The tensors of a state dict (or of the state dict a training checkpoint wraps), by dotted key.
    static func stateDict(_ root: PickleValue, source: String) throws -> [String: TorchTensorReference] {
        guard case .dict(var dict) = root else {
            throw GeoKitError(
                "the checkpoint holds a \(root.kind), not a state dict", where: source,
                remedy: "save model.state_dict() rather than the model or a list")
        }
        let holdsTensors = dict.entries.contains { if case .tensor = $0.value { true } else { false } }
        if !holdsTensors {
            for key in wrapperKeys {
                if case .dict(let inner)? = dict[.string(key)] { dict = inner; break }
            }
        }
        var tensors: [String: TorchTensorReference] = [:]
        func collect(_ dict: PickleDict, _ prefix: String) {
            for (key, value) in dict.entries {
                let name = prefix + key.description
                switch value {
                case .tensor(let t): tensors[name] = t
                case .dict(let inner): collect(inner, name + ".")
                default: break
                }
            }
        }
        collect(dict, "")
        guard !tensors.isEmpty else {
            throw GeoKitError("the checkpoint holds no tensors", where: source, remedy: "save model.state_dict()")
        }
        return tensors
    }

    private static func byteCount(_ storage: TorchStorageReference, source: String) throws -> Int {
        let (bytes, overflow) = storage.count.multipliedReportingOverflow(by: storage.type.byteSize)
        guard !overflow else {
            throw GeoKitError("storage \(storage.key) claims \(storage.count) elements", where: source, remedy: "the checkpoint is damaged")
        }
        return bytes
    }

    /// Copies a strided view of a storage into a new contiguous tensor.
    static func materialise(_ ref: TorchTensorReference, from blobs: [String: [UInt8]], source: String) throws -> Loaded {
        guard let blob = blobs[ref.storage.key] else {
            throw GeoKitError("the bytes of storage \(ref.storage.key) are missing", where: source, remedy: "the checkpoint is incomplete")
        }
        let count = Shape.count(ref.shape)
        guard count <= ref.storage.count else {
            throw GeoKitError(
                "a tensor of shape \(ref.shape) repeats the \(ref.storage.count) elements of its storage",
                where: source, remedy: "save tensors that are not expanded views (call .contiguous() first)")
        }
        let type = ref.storage.type
        let tensor = Tensor(zeros: ref.shape, dtype: type.loadedDType)
        blob.withUnsafeBytes { raw in
            switch tensor.dtype {
            case .float32:
                let p = tensor.pointer(Float.self)
                forEachElement(ref) { i, element in p[i] = type.float(raw, at: element) }
            case .float64:
                let p = tensor.pointer(Double.self)
                forEachElement(ref) { i, element in p[i] = type.double(raw, at: element) }
            }
        }
        return (tensor, type)
    }

    /// Calls `body(i, element)` for each row-major index i of the view and its position in the storage.
    private static func forEachElement(_ ref: TorchTensorReference, _ body: (Int, Int) -> Void) {
        var index = [Int](repeating: 0, count: ref.shape.count)
        var element = ref.offset
        for i in 0..<Shape.count(ref.shape) {
            body(i, element)
            var axis = ref.shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                element += ref.strides[axis]
                if index[axis] < ref.shape[axis] { break }
                element -= ref.strides[axis] * index[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
