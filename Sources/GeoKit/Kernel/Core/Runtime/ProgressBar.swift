import Foundation

/// GeoKit's one progress renderer (training, synthesis, the CLI): a line on
/// standard error, `label [#####     ] done/total  details`, redrawn in place
/// at most 10 times a second, and only when standard error is a terminal
/// (logs and pipes stay clean). Safe to update from any thread.
public final class ProgressBar: @unchecked Sendable {
    /// Whether the bar is drawn at all (standard error is a terminal).
    public let isTerminal = isatty(STDERR_FILENO) != 0
    private let label: String
    private let lock = NSLock()
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var shown = false

    public init(label: String) { self.label = label }

    /// Redraws the bar; `label` replaces the bar's own for this draw, and
    /// `details` the default (items per second since the bar was made).
    public func update(_ done: Int, _ total: Int, label: String? = nil, details: String? = nil) {
        guard isTerminal else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let width = 30, filled = total > 0 ? width * min(done, total) / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        let rate = details ?? String(format: "%.1f/s", Double(done) / max(now.timeIntervalSince(start), 1e-3))
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label ?? self.label) [\(bar)] \(done)/\(total)  \(rate)".utf8))
        shown = true
    }

    /// Erases the bar (before a plain line is printed); it reappears at the next update.
    public func clear() {
        lock.lock(); defer { lock.unlock() }
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }

    /// Ends the bar's line, leaving its last state visible.
    public func finish() {
        lock.lock(); defer { lock.unlock() }
        guard shown else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        shown = false
    }
}
