import Foundation

/// GeoKit's one progress component (training, evaluation, embedding, index
/// building, synthesis). On a terminal (standard error is a tty) it is a line
/// on standard error, `label [#####     ] done/total  12.3 images/s  ETA 0:42  details`,
/// redrawn in place at most 10 times a second. Elsewhere (logs, pipes, CI) it
/// writes a plain line at each quarter of the work, so a log shows progress
/// without a wall of redraws; short tasks (under `quietSeconds`) stay silent
/// there. Safe to update from any thread.
public final class ProgressBar: @unchecked Sendable {
    /// Whether the bar is redrawn in place (standard error is a terminal).
    public let isTerminal: Bool
    private let label: String
    private let unit: String
    private let plainLine: (String) -> Void
    private let quietSeconds: Double
    private let lock = NSLock()
    private var start = Date()
    private var lastDraw = Date.distantPast
    private var shown = false
    private var lastQuarter = 0
    private var lastDone = 0

    /// `unit` names what is counted (the rate reads "12.3 images/s"); `plainLine`
    /// receives the off-terminal lines (default: standard error), after `quietSeconds`.
    public init(
        label: String, unit: String = "items", terminal: Bool = isatty(STDERR_FILENO) != 0, quietSeconds: Double = 2,
        plainLine: ((String) -> Void)? = nil
    ) {
        self.label = label
        self.unit = unit
        isTerminal = terminal
        self.quietSeconds = quietSeconds
        self.plainLine = plainLine ?? { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    }

    /// Reports `done` of `total`. `label` replaces the bar's own for this
    /// report; `rate` (per second) and `eta` (seconds) replace the ones
    /// measured since the bar started (or since `done` fell back, a new pass).
    public func update(_ done: Int, _ total: Int, label: String? = nil, details: String? = nil, rate: Double? = nil, eta: Double? = nil) {
        // The plain line is written after the lock is released: its sink may print through `clear()`.
        guard let line = report(done, total, label: label, details: details, rate: rate, eta: eta) else { return }
        plainLine(line)
    }

    /// Draws on a terminal; returns the plain line to write elsewhere, if one is due.
    private func report(_ done: Int, _ total: Int, label: String?, details: String?, rate: Double?, eta: Double?) -> String? {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        // A count that falls back by half or more is a new pass (the next epoch); threads may report slightly out of order.
        if done <= 0 || done <= lastDone / 2 || (lastQuarter == 4 && done <= lastDone) { (start, lastQuarter) = (now, 0) }
        lastDone = done
        let elapsed = Swift.max(now.timeIntervalSince(start), 1e-3)
        let perSecond = rate ?? Double(done) / elapsed
        let remaining = eta ?? (done > 0 ? elapsed / Double(done) * Double(Swift.max(0, total - done)) : .nan)
        var text = "\(done)/\(total)  " + String(format: "%.1f %@/s", perSecond, unit) + "  ETA " + ProgressBar.duration(remaining)
        if let details { text += "  " + details }
        let name = label ?? self.label
        if isTerminal {
            guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return nil }
            lastDraw = now
            let width = 30, filled = total > 0 ? width * Swift.min(done, total) / total : width
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(name) [\(bar)] \(text)".utf8))
            shown = true
            return nil
        }
        let quarter = total > 0 ? 4 * Swift.min(done, total) / total : 4
        guard quarter > lastQuarter else { return nil }
        lastQuarter = quarter
        guard elapsed >= quietSeconds || shown else { return nil }
        shown = true
        return "\(name) \(text)"
    }

    /// Erases the bar on a terminal (before a plain line is printed); it reappears at the next update.
    public func clear() {
        lock.lock()
        defer { lock.unlock() }
        guard isTerminal, shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }

    /// Ends the bar's line on a terminal, leaving its last state visible.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard isTerminal, shown else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        shown = false
    }

    /// `m:ss` or `h:mm:ss`; `--:--` when unknown.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds)
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
