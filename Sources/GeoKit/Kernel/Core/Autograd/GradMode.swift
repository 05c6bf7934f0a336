/// Whether ops record the graph. Evaluation runs inside `noGrad { }`: no
/// tape, no saved tensors. The flag is process-wide (one kernel in memory),
/// so a plugin sees the same mode as the host that called it.
public enum GradMode {
    nonisolated(unsafe) private static var disabledDepth = 0

    public static var isEnabled: Bool { disabledDepth == 0 }

    /// Runs `body` with recording switched off, then restores the previous mode.
    public static func noGrad<R>(_ body: () throws -> R) rethrows -> R {
        disabledDepth += 1
        defer { disabledDepth -= 1 }
        return try body()
    }
}

/// Shorthand for `GradMode.noGrad`.
public func noGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.noGrad(body)
}
