import Foundation

/// A one-line progress bar on standard error, drawn only when it is a
/// terminal (logs and pipes stay clean). Safe to update from any thread.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(label: String) { self.label = label }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let width = 30, filled = total > 0 ? width * done / total : width
        let rate = Double(done) / max(now.timeIntervalSince(start), 1e-3)
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let line = "\r\(label) [\(bar)] \(done)/\(total)  " + String(format: "%.1f/s", rate)
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
