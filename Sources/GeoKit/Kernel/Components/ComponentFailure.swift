import Foundation
import GeoKitCore
import GeoKitData

/// A failure a plugin reported from inside a forward or backward. Module
/// calls compose like ops and cannot throw, so the C bridge records the
/// failure here and hands back NaN in place of the result; the callers that
/// can throw (the trainer, the forward contract, the evaluation and the
/// retrieval commands) call `check()` after each forward and backward and
/// end the run with the plugin's message. The first failure is kept: later
/// ones are usually its consequences.
public enum ComponentFailure {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var recorded: GeoKitError?

    /// Records `error` unless a failure is already waiting to be checked.
    public static func record(_ error: GeoKitError) {
        lock.lock()
        defer { lock.unlock() }
        if recorded == nil { recorded = error }
    }

    /// Throws the recorded failure (and forgets it), if there is one.
    public static func check() throws {
        lock.lock()
        let error = recorded
        recorded = nil
        lock.unlock()
        if let error { throw error }
    }
}
