import Foundation

/// Whole-file writes that never leave a partial file behind: the bytes go to
/// a temporary file in the same directory, which is then renamed over the
/// destination (rename is atomic within one file system).
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try data.write(to: temp)
            if rename(temp.path, url.path) != 0 {
                throw GeoKitError("cannot rename \(temp.path) to \(url.path) (errno \(errno))")
            }
        } catch let error as GeoKitError {
            try? FileManager.default.removeItem(at: temp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw GeoKitError("cannot write file", where: url.path, remedy: "check the directory exists and is writable (\(error.localizedDescription))")
        }
    }
}
