/// The errors GeoKit reports to its users. Each says what went wrong, where,
/// and what to do; the CLI prints `description` and exits non-zero.
public struct GeoKitError: Error, CustomStringConvertible, Equatable {
    public let what: String
    public let whereContext: String
    public let remedy: String

    public init(_ what: String, where whereContext: String = "", remedy: String = "") {
        self.what = what
        self.whereContext = whereContext
        self.remedy = remedy
    }

    public var description: String {
        var s = what
        if !whereContext.isEmpty { s += " (\(whereContext))" }
        if !remedy.isEmpty { s += ". " + remedy }
        return s
    }
}
