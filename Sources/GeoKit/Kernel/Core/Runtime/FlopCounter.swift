/// Counts the floating-point operations of convolutions and matrix
/// products (2 per multiply-add) while `counting` runs, so `geokit run
/// --dry` can report each component's FLOPs from one forward pass on a
/// dummy input. Off otherwise (one branch per op).
public enum FlopCounter {
    nonisolated(unsafe) private static var active = false
    nonisolated(unsafe) private static var total = 0

    /// Records an op's FLOPs when counting.
    @inline(__always)
    public static func add(_ flops: Int) {
        if active { total += flops }
    }

    /// Runs `body` and returns its result with the FLOPs it performed (not re-entrant).
    public static func counting<R>(_ body: () throws -> R) rethrows -> (result: R, flops: Int) {
        total = 0
        active = true
        defer { active = false }
        let result = try body()
        return (result, total)
    }
}
