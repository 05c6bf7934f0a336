import Foundation
import GeoKitCore

/// The message a C plugin reported (host->report_error) for the call in
/// progress on this thread, kept until the kernel reads it after the call
/// returned a failure. Per thread, because different components may run on
/// different threads at once.
enum CCallError {
    private static let key = "GeoKit.CCallError"

    static func set(_ message: String) { Thread.current.threadDictionary[key] = message }

    /// Forgets a message left by an earlier call that did not fail.
    static func clear() { Thread.current.threadDictionary.removeObject(forKey: key) }

    /// The reported message, cleared.
    static func take() -> String? {
        let message = Thread.current.threadDictionary[key] as? String
        Thread.current.threadDictionary.removeObject(forKey: key)
        return message
    }
}
