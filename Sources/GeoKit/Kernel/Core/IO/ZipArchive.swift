internal import CZip
import Foundation

/// A zip archive opened read-only through libzip: the container of
/// PyTorch's checkpoint format (torch >= 1.6). Entries are read whole, after
/// their size is checked against what the caller expects.
final class ZipArchive {
    private let handle: OpaquePointer
    private let source: String

    init(_ url: URL) throws {
        var code: Int32 = 0
        guard let handle = zip_open(url.path, ZIP_RDONLY, &code) else {
            var error = zip_error_t()
            zip_error_init_with_code(&error, code)
            defer { zip_error_fini(&error) }
            throw GeoKitError(
                "not a readable zip archive: \(String(cString: zip_error_strerror(&error)))", where: url.path,
                remedy: "check that the file is complete (torch.save writes a zip archive)")
        }
        self.handle = handle
        self.source = url.path
    }

    deinit { zip_discard(handle) }

    /// The names of every entry, in the archive's order.
    var names: [String] {
        let count = max(zip_get_num_entries(handle, 0), 0)
        return (0..<count).compactMap { zip_get_name(handle, zip_uint64_t($0), 0).map { String(cString: $0) } }
    }

    func contains(_ name: String) -> Bool { zip_name_locate(handle, name, 0) >= 0 }

    /// The bytes of entry `name`: at most `limit` of them are accepted, and
    /// with `exactly`, the entry must hold at least that many (only those are read).
    func read(_ name: String, limit: Int = .max, exactly: Int? = nil) throws -> [UInt8] {
        let index = zip_name_locate(handle, name, 0)
        guard index >= 0 else {
            throw GeoKitError("the archive has no entry \(name)", where: source, remedy: "the checkpoint is incomplete; save it again")
        }
        var stat = zip_stat_t()
        zip_stat_init(&stat)
        guard zip_stat_index(handle, zip_uint64_t(index), 0, &stat) == 0, stat.valid & zip_uint64_t(ZIP_STAT_SIZE) != 0 else {
            throw GeoKitError("cannot read the size of entry \(name)", where: source, remedy: "the archive is damaged; save it again")
        }
        let wanted: UInt64
        if let exactly {
            guard stat.size >= UInt64(exactly) else {
                throw GeoKitError(
                    "entry \(name) holds \(stat.size) bytes where \(exactly) are needed", where: source,
                    remedy: "the checkpoint is damaged or truncated; save it again")
            }
            wanted = UInt64(exactly)
        } else {
            guard stat.size <= UInt64(limit) else {
                throw GeoKitError(
                    "entry \(name) claims \(stat.size) bytes, more than the \(limit) accepted", where: source,
                    remedy: "this is not a PyTorch state dict")
            }
            wanted = stat.size
        }
        guard let file = zip_fopen_index(handle, zip_uint64_t(index), 0) else {
            throw GeoKitError(
                "cannot open entry \(name): \(String(cString: zip_strerror(handle)))", where: source,
                remedy: "the archive is damaged; save it again")
        }
        defer { zip_fclose(file) }
        var bytes = [UInt8](repeating: 0, count: Int(wanted))
        let read = bytes.withUnsafeMutableBytes { zip_fread(file, $0.baseAddress, wanted) }
        guard read == Int64(wanted) else {
            throw GeoKitError(
                "entry \(name) could not be read whole: \(String(cString: zip_file_strerror(file)))", where: source,
                remedy: "the archive is damaged; save it again")
        }
        return bytes
    }
}
