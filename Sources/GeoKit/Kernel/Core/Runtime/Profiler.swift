import Foundation

/// Time per op kind, for `geokit bench --profile`: ops wrap their work in
/// `Profiler.measure("name") { ... }`, the backward pass wraps each graph
/// node's backward, and `Profiler.profiling { ... }` runs a body with the
/// scopes timed and returns what they took. Off by default; a disabled scope
/// costs one branch on a static flag before anything is timed.
///
/// A scope opened inside another one is part of the outer one (a linear
/// layer's matmul counts as `linear`, the ops a backward node calls count as
/// that node), so no time is counted twice and the rows plus the time
/// outside every scope add up to the profiled wall time. Only the thread
/// that called `profiling` records (the kernels' worker threads run inside
/// its scopes); scopes on other threads run untimed.
///
/// ```swift
/// let (_, report) = Profiler.profiling { net(x).mean().backward() }
/// for row in report.rows { print(row.name, row.phase, row.calls, row.seconds) }
/// print("outside ops", report.outsideSeconds)
/// ```
public enum Profiler {
    /// Where a scope's time belongs in the table.
    public enum Phase: String, Sendable, Codable, CaseIterable {
        /// An op called by the model's forward (or by other user code).
        case forward
        /// A graph node's backward, named as its forward op recorded it.
        case backward
        /// Work of neither kind: the optimiser step, gradient accumulation.
        case other
    }

    /// One op kind's time: every outermost scope of that name and phase.
    public struct Row: Sendable, Equatable, Codable {
        public var name: String
        public var phase: Phase
        public var calls: Int
        public var seconds: Double

        public init(name: String, phase: Phase, calls: Int, seconds: Double) {
            self.name = name
            self.phase = phase
            self.calls = calls
            self.seconds = seconds
        }
    }

    /// What one `profiling` call recorded.
    public struct Report: Sendable, Equatable {
        /// Per (name, phase), longest first.
        public var rows: [Row]
        /// The wall time of the whole profiled body.
        public var totalSeconds: Double

        public init(rows: [Row], totalSeconds: Double) {
            self.rows = rows.sorted { ($0.seconds, $1.name) > ($1.seconds, $0.name) }
            self.totalSeconds = totalSeconds
        }

        /// Time spent outside every scope: total minus the rows (never negative).
        public var outsideSeconds: Double { max(0, totalSeconds - rows.reduce(0) { $0 + $1.seconds }) }

        /// The rows of one phase, longest first.
        public func rows(_ phase: Phase) -> [Row] { rows.filter { $0.phase == phase } }

        /// Times and call counts divided by `n` (a profile of n steps as one step's).
        public func divided(by n: Int) -> Report {
            let d = Double(max(n, 1))
            return Report(
                rows: rows.map { Row(name: $0.name, phase: $0.phase, calls: $0.calls / max(n, 1), seconds: $0.seconds / d) },
                totalSeconds: totalSeconds / d)
        }
    }

    private struct Key: Hashable {
        let name: String
        let phase: Phase
    }

    /// True while `profiling` runs: the one flag a disabled scope checks.
    nonisolated(unsafe) public private(set) static var isEnabled = false
    nonisolated(unsafe) private static var owner = pthread_self()
    nonisolated(unsafe) private static var depth = 0
    nonisolated(unsafe) private static var table: [Key: (calls: Int, nanoseconds: UInt64)] = [:]

    /// Runs `body`, timing it as one call of `name` when profiling (and not
    /// already inside a scope); returns the body's value. The name is only
    /// evaluated when profiling.
    @inline(__always)
    public static func measure<R>(_ name: @autoclosure () -> String, phase: Phase = .forward, _ body: () throws -> R) rethrows -> R {
        if isEnabled { return try timed(name(), phase, body) }
        return try body()
    }

    @inline(never)
    private static func timed<R>(_ name: String, _ phase: Phase, _ body: () throws -> R) rethrows -> R {
        guard pthread_equal(owner, pthread_self()) != 0, depth == 0 else { return try body() }
        depth += 1
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let elapsed = DispatchTime.now().uptimeNanoseconds - start
            depth -= 1
            let key = Key(name: name, phase: phase)
            let old = table[key] ?? (0, 0)
            table[key] = (old.calls + 1, old.nanoseconds + elapsed)
        }
        return try body()
    }

    /// Runs `body` with the scopes timed and returns its value with the
    /// report. Not re-entrant: a `profiling` inside another is refused.
    public static func profiling<R>(_ body: () throws -> R) throws -> (result: R, report: Report) {
        guard !isEnabled else {
            throw GeoKitError(
                "Profiler.profiling was called while a profile was already running", where: "Profiler.profiling",
                remedy: "profile one body at a time")
        }
        table = [:]
        depth = 0
        owner = pthread_self()
        isEnabled = true
        let start = DispatchTime.now().uptimeNanoseconds
        defer { isEnabled = false }
        let result = try body()
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let rows = table.map { Row(name: $0.key.name, phase: $0.key.phase, calls: $0.value.calls, seconds: Double($0.value.nanoseconds) / 1e9) }
        table = [:]
        return (result, Report(rows: rows, totalSeconds: total))
    }
}
