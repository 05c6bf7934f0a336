import Foundation
import GeoKitCore
import GeoKitData
import Glibc

/// The C embedding API (`include/geokit_embed.h`): these `@_cdecl`
/// functions are exported by libGeoKit.so. Every call returns
/// `GEOKIT_EMBED_OK` (0) or `GEOKIT_EMBED_ERROR` (1) and then leaves the
/// message in the calling thread's `geokit_embed_last_error()`. Calls are
/// serialised process-wide by one lock: the kernel's grad mode and registry
/// are process-wide, and its GEMMs and loaders already use every core.
public enum EmbedAPI {
    /// GEOKIT_EMBED_VERSION of geokit_embed.h; bumped when a signature or a meaning changes.
    public static let version: Int32 = 1

    static let ok: Int32 = 0
    static let failed: Int32 = 1
    private static let lock = NSLock()

    /// The calling thread's last error message (a malloc'd C string, freed when replaced or when the thread ends).
    nonisolated(unsafe) private static var errorKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { free($0) }
        return key
    }()

    static func setError(_ message: String?) {
        if let old = pthread_getspecific(errorKey) { free(old) }
        pthread_setspecific(errorKey, message.map { UnsafeMutableRawPointer(strdup($0)) } ?? nil)
    }

    static var lastError: UnsafePointer<CChar>? { pthread_getspecific(errorKey).map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) } }

    /// Runs one API call under the lock; a thrown error becomes the status and the thread's message.
    static func call(_ body: () throws -> Void) -> Int32 {
        lock.lock()
        defer { lock.unlock() }
        do {
            try body()
            setError(nil)
            return ok
        } catch let error as GeoKitError {
            setError(error.description)
        } catch {
            setError("GeoKit: \(error)")
        }
        return failed
    }

    static func argument(_ what: String) -> GeoKitError {
        GeoKitError("invalid argument: \(what)", where: "geokit_embed", remedy: "see geokit_embed.h for what each argument must be")
    }

    static func view(_ code: Int32) throws -> CrossView {
        switch code {
        case 0: return .ground
        case 1: return .aerial
        default: throw argument("view is \(code), not GEOKIT_VIEW_GROUND (0) or GEOKIT_VIEW_AERIAL (1)")
        }
    }

    /// Copies a descriptor tensor (N, D) into the caller's buffer.
    static func copy(_ descriptors: Tensor, to out: UnsafeMutablePointer<Float>) {
        out.update(from: descriptors.pointer(Float.self), count: descriptors.count)
    }
}

/// An exported model behind a `geokit_model *`.
final class EmbedModelHandle {
    let model: ExportedModel
    init(_ model: ExportedModel) { self.model = model }
}

/// A gallery index behind a `geokit_index *`, with the C strings of its ids handed out so far.
final class EmbedIndexHandle {
    let index: GalleryIndex
    var idStrings: [Int: UnsafeMutablePointer<CChar>] = [:]
    init(_ index: GalleryIndex) { self.index = index }
    deinit { for pointer in idStrings.values { free(pointer) } }
}

private func model(_ handle: OpaquePointer?) throws -> ExportedModel {
    guard let handle else { throw EmbedAPI.argument("the model is NULL") }
    return Unmanaged<EmbedModelHandle>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue().model
}

private func indexHandle(_ handle: OpaquePointer?) throws -> EmbedIndexHandle {
    guard let handle else { throw EmbedAPI.argument("the index is NULL") }
    return Unmanaged<EmbedIndexHandle>.fromOpaque(UnsafeRawPointer(handle)).takeUnretainedValue()
}

private func retained(_ object: AnyObject) -> OpaquePointer { OpaquePointer(Unmanaged.passRetained(object).toOpaque()) }

private func text(_ pointer: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let pointer else { throw EmbedAPI.argument("\(what) is NULL") }
    return String(cString: pointer)
}

@_cdecl("geokit_embed_version")
public func geokitEmbedVersion() -> Int32 { EmbedAPI.version }

@_cdecl("geokit_embed_last_error")
public func geokitEmbedLastError() -> UnsafePointer<CChar>? { EmbedAPI.lastError }

@_cdecl("geokit_model_load")
public func geokitModelLoad(_ directory: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    EmbedAPI.call {
        guard let out else { throw EmbedAPI.argument("out is NULL") }
        out.pointee = nil
        let loaded = try ExportedModel.load(URL(fileURLWithPath: try text(directory, "the directory")))
        out.pointee = retained(EmbedModelHandle(loaded))
    }
}

@_cdecl("geokit_model_free")
public func geokitModelFree(_ handle: OpaquePointer?) {
    guard let handle else { return }
    _ = EmbedAPI.call { Unmanaged<EmbedModelHandle>.fromOpaque(UnsafeRawPointer(handle)).release() }
}

@_cdecl("geokit_model_descriptor_size")
public func geokitModelDescriptorSize(_ handle: OpaquePointer?, _ size: UnsafeMutablePointer<Int32>?) -> Int32 {
    EmbedAPI.call {
        guard let size else { throw EmbedAPI.argument("size is NULL") }
        size.pointee = Int32(try model(handle).config.descriptorSize)
    }
}

@_cdecl("geokit_model_input_size")
public func geokitModelInputSize(
    _ handle: OpaquePointer?, _ view: Int32, _ height: UnsafeMutablePointer<Int32>?, _ width: UnsafeMutablePointer<Int32>?
) -> Int32 {
    EmbedAPI.call {
        guard let height, let width else { throw EmbedAPI.argument("height or width is NULL") }
        let size = try model(handle).inputSize(try EmbedAPI.view(view))
        (height.pointee, width.pointee) = (Int32(size.height), Int32(size.width))
    }
}

@_cdecl("geokit_model_embed_files")
public func geokitModelEmbedFiles(
    _ handle: OpaquePointer?, _ view: Int32, _ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int64,
    _ out: UnsafeMutablePointer<Float>?
) -> Int32 {
    EmbedAPI.call {
        guard let paths, let out, count >= 1 else { throw EmbedAPI.argument("paths or out is NULL, or count < 1") }
        let files = try (0..<Int(count)).map { URL(fileURLWithPath: try text(paths[$0], "paths[\($0)]")) }
        EmbedAPI.copy(try model(handle).embed(files: files, view: try EmbedAPI.view(view)), to: out)
    }
}

@_cdecl("geokit_model_embed_rgb8")
public func geokitModelEmbedRgb8(
    _ handle: OpaquePointer?, _ view: Int32, _ pixels: UnsafePointer<UInt8>?, _ count: Int64, _ height: Int32, _ width: Int32,
    _ out: UnsafeMutablePointer<Float>?
) -> Int32 {
    EmbedAPI.call {
        guard let pixels, let out, count >= 1, height >= 1, width >= 1 else {
            throw EmbedAPI.argument("pixels or out is NULL, or count, height or width < 1")
        }
        let plane = Int(height) * Int(width) * 3
        let images = (0..<Int(count)).map {
            Image(height: Int(height), width: Int(width), channels: 3, pixels: Array(UnsafeBufferPointer(start: pixels + $0 * plane, count: plane)))
        }
        EmbedAPI.copy(try model(handle).embed(images: images, view: try EmbedAPI.view(view)), to: out)
    }
}

@_cdecl("geokit_model_embed_inputs")
public func geokitModelEmbedInputs(
    _ handle: OpaquePointer?, _ view: Int32, _ inputs: UnsafePointer<Float>?, _ count: Int64, _ out: UnsafeMutablePointer<Float>?
) -> Int32 {
    EmbedAPI.call {
        guard let inputs, let out, count >= 1 else { throw EmbedAPI.argument("inputs or out is NULL, or count < 1") }
        let exported = try model(handle)
        let cross = try EmbedAPI.view(view)
        let (h, w) = exported.inputSize(cross)
        let tensor = Tensor(Array(UnsafeBufferPointer(start: inputs, count: Int(count) * 3 * h * w)), shape: [Int(count), 3, h, w])
        EmbedAPI.copy(try exported.embed(inputs: tensor, view: cross), to: out)
    }
}

@_cdecl("geokit_index_create")
public func geokitIndexCreate(
    _ dimension: Int32, _ kind: UnsafePointer<CChar>?, _ parameters: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?
) -> Int32 {
    EmbedAPI.call {
        guard let out else { throw EmbedAPI.argument("out is NULL") }
        out.pointee = nil
        let name = try text(kind, "kind")
        guard let kind = GalleryIndex.Kind(rawValue: name) else {
            throw EmbedAPI.argument("kind '\(name)' is not one of \(GalleryIndex.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let options = try GalleryIndex.Options(kind: kind, parameters: parameters.map { String(cString: $0) } ?? "")
        out.pointee = retained(EmbedIndexHandle(try GalleryIndex(dimension: Int(dimension), options: options, view: .aerial, model: "")))
    }
}

@_cdecl("geokit_index_add")
public func geokitIndexAdd(
    _ handle: OpaquePointer?, _ descriptors: UnsafePointer<Float>?, _ count: Int64, _ ids: UnsafePointer<UnsafePointer<CChar>?>?,
    _ latlon: UnsafePointer<Double>?
) -> Int32 {
    EmbedAPI.call {
        let index = try indexHandle(handle).index
        guard let descriptors, count >= 1 else { throw EmbedAPI.argument("descriptors is NULL or count < 1") }
        let n = Int(count), start = index.count
        let names = try (0..<n).map { i in try ids.map { try text($0[i], "ids[\(i)]") } ?? String(start + i) }
        let positions: [GeoPosition?] =
            latlon.map { p in
                (0..<n).map { i in p[2 * i].isNaN || p[2 * i + 1].isNaN ? nil : GeoPosition(latitude: p[2 * i], longitude: p[2 * i + 1]) }
            } ?? []
        try index.add(Array(UnsafeBufferPointer(start: descriptors, count: n * index.dimension)), ids: names, positions: positions)
    }
}

@_cdecl("geokit_index_search")
public func geokitIndexSearch(
    _ handle: OpaquePointer?, _ queries: UnsafePointer<Float>?, _ count: Int64, _ k: Int32, _ rows: UnsafeMutablePointer<Int64>?,
    _ scores: UnsafeMutablePointer<Float>?
) -> Int32 {
    EmbedAPI.call {
        let index = try indexHandle(handle).index
        guard let queries, let rows, let scores, count >= 1, k >= 1 else { throw EmbedAPI.argument("a pointer is NULL, or count or k < 1") }
        let hits = try index.search(Array(UnsafeBufferPointer(start: queries, count: Int(count) * index.dimension)), k: Int(k))
        for (q, row) in hits.enumerated() {
            for j in 0..<Int(k) {
                rows[q * Int(k) + j] = j < row.count ? Int64(row[j].index) : -1
                scores[q * Int(k) + j] = j < row.count ? row[j].score : -Float.infinity
            }
        }
    }
}

@_cdecl("geokit_index_count")
public func geokitIndexCount(_ handle: OpaquePointer?, _ count: UnsafeMutablePointer<Int64>?) -> Int32 {
    EmbedAPI.call {
        guard let count else { throw EmbedAPI.argument("count is NULL") }
        count.pointee = Int64(try indexHandle(handle).index.count)
    }
}

@_cdecl("geokit_index_dimension")
public func geokitIndexDimension(_ handle: OpaquePointer?, _ dimension: UnsafeMutablePointer<Int32>?) -> Int32 {
    EmbedAPI.call {
        guard let dimension else { throw EmbedAPI.argument("dimension is NULL") }
        dimension.pointee = Int32(try indexHandle(handle).index.dimension)
    }
}

@_cdecl("geokit_index_id")
public func geokitIndexId(_ handle: OpaquePointer?, _ row: Int64, _ id: UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> Int32 {
    EmbedAPI.call {
        let holder = try indexHandle(handle)
        guard let id, row >= 0, row < Int64(holder.index.count) else { throw EmbedAPI.argument("id is NULL or row \(row) is outside the index") }
        let pointer = holder.idStrings[Int(row)] ?? strdup(holder.index.ids[Int(row)])!
        holder.idStrings[Int(row)] = pointer
        id.pointee = UnsafePointer(pointer)
    }
}

@_cdecl("geokit_index_position")
public func geokitIndexPosition(
    _ handle: OpaquePointer?, _ row: Int64, _ latitude: UnsafeMutablePointer<Double>?, _ longitude: UnsafeMutablePointer<Double>?,
    _ known: UnsafeMutablePointer<Int32>?
) -> Int32 {
    EmbedAPI.call {
        let index = try indexHandle(handle).index
        guard let latitude, let longitude, let known, row >= 0, row < Int64(index.count) else {
            throw EmbedAPI.argument("a pointer is NULL or row \(row) is outside the index")
        }
        let position = index.positions[Int(row)]
        known.pointee = position == nil ? 0 : 1
        (latitude.pointee, longitude.pointee) = (position?.latitude ?? .nan, position?.longitude ?? .nan)
    }
}

@_cdecl("geokit_index_save")
public func geokitIndexSave(_ handle: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    EmbedAPI.call { try indexHandle(handle).index.save(to: URL(fileURLWithPath: try text(path, "path"))) }
}

@_cdecl("geokit_index_load")
public func geokitIndexLoad(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    EmbedAPI.call {
        guard let out else { throw EmbedAPI.argument("out is NULL") }
        out.pointee = nil
        out.pointee = retained(EmbedIndexHandle(try GalleryIndex.load(from: URL(fileURLWithPath: try text(path, "path")))))
    }
}

@_cdecl("geokit_index_free")
public func geokitIndexFree(_ handle: OpaquePointer?) {
    guard let handle else { return }
    _ = EmbedAPI.call { Unmanaged<EmbedIndexHandle>.fromOpaque(UnsafeRawPointer(handle)).release() }
}
