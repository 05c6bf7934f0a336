#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// A 64-byte-aligned, zero-initialised block of memory owned by one or more
/// tensors (a reshape shares its input's storage).
final class Storage: @unchecked Sendable {
    static let alignment = 64
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    init(byteCount: Int) {
        self.byteCount = byteCount
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, Storage.alignment, max(byteCount, Storage.alignment))
        guard status == 0, let raw else {
            fatalError("GeoKit: cannot allocate \(byteCount) bytes of tensor memory (posix_memalign returned \(status))")
        }
        memset(raw, 0, max(byteCount, Storage.alignment))
        pointer = raw
    }

    deinit { free(pointer) }
}
