import Foundation

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Whole-file writes that never leave a partial file behind, even across a
/// power cut: the bytes go to a temporary file in the destination's
/// directory (rename is atomic only within one file system), which is
/// flushed to disk, renamed over the destination, and the directory is
/// flushed so the rename itself survives. The temporary name carries the
/// process id and a per-process counter, so concurrent writes of one
/// target, from threads or processes, never share a temporary file; the
/// last rename wins and the destination is always one complete file.
/// Missing directories on the way are created (the run directory, a data
/// set's split folders).
public enum AtomicFile {
    private static let counter = Counter()

    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw GeoKitError(
                "cannot write file: the path is a directory", where: url.path,
                remedy: "choose a file name, or remove the directory")
        }
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw GeoKitError(
                "cannot write file: its directory \(dir.path) cannot be created", where: url.path,
                remedy: "check that every parent of the path is a writable directory, not a file")
        }
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(counter.next())")
        func failure(_ step: String, _ code: Int32) -> GeoKitError {
            GeoKitError(
                "cannot write file: \(step) failed (\(String(cString: strerror(code))))", where: url.path,
                remedy: "check that the directory is writable and the disk is not full")
        }
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("creating the temporary file \(temp.lastPathComponent)", errno) }
        var code = writeAll(fd, data)
        if code == 0, fsync(fd) != 0 { code = errno }
        if close(fd) != 0, code == 0 { code = errno }
        if code == 0, rename(temp.path, url.path) != 0 { code = errno }
        guard code == 0 else {
            unlink(temp.path)
            throw failure("writing \(data.count) bytes", code)
        }
        // The rename is durable only once the directory entry is on disk. The
        // new file is already in place, so a failure here is not reported.
        let dirFD = open(dir.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    /// Writes every byte (retrying short writes and interruptions); 0 or the errno.
    private static func writeAll(_ fd: Int32, _ data: Data) -> Int32 {
        data.withUnsafeBytes { raw -> Int32 in
            guard let base = raw.baseAddress else { return 0 }
            var offset = 0
            while offset < raw.count {
                let n = systemWrite(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return 0
        }
    }

    /// Numbers the temporary files of this process.
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.withLock {
                value += 1; return value
            }
        }
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#else
    private let systemWrite = Darwin.write
#endif
