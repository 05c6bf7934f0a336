import GeoKitCore
import GeoKitData

/// The values a numeric user setting accepts: an optional lower and upper
/// bound, each inclusive or exclusive. Component schemas, recipe values and
/// the CLI's numeric options declare theirs, so a value is checked once where
/// it enters and `geokit plugins` can show the range. NaN and infinities are
/// never accepted.
public struct ParameterBounds: Sendable, Equatable, CustomStringConvertible {
    public let lower: Double?
    public let lowerInclusive: Bool
    public let upper: Double?
    public let upperInclusive: Bool

    public init(lower: Double?, inclusive lowerInclusive: Bool = true, upper: Double?, inclusive upperInclusive: Bool = true) {
        (self.lower, self.lowerInclusive, self.upper, self.upperInclusive) = (lower, lowerInclusive, upper, upperInclusive)
    }

    /// [a, b]
    public static func between(_ a: Double, _ b: Double) -> ParameterBounds { ParameterBounds(lower: a, upper: b) }
    /// [a, +inf)
    public static func atLeast(_ a: Double) -> ParameterBounds { ParameterBounds(lower: a, upper: nil) }
    /// (a, +inf)
    public static func above(_ a: Double) -> ParameterBounds { ParameterBounds(lower: a, inclusive: false, upper: nil) }
    /// (a, b]
    public static func aboveUpTo(_ a: Double, _ b: Double) -> ParameterBounds { ParameterBounds(lower: a, inclusive: false, upper: b) }
    /// (a, b)
    public static func strictlyBetween(_ a: Double, _ b: Double) -> ParameterBounds {
        ParameterBounds(lower: a, inclusive: false, upper: b, inclusive: false)
    }

    /// The largest image or feature-map side GeoKit accepts from a user
    /// (8192: one 8192 x 8192 RGB float32 image is already 805 MB).
    public static let largestImageSide = 8192.0
    /// Image sides in pixels: 1...8192.
    public static let imageSide = between(1, largestImageSide)

    public func contains(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        if let lower, lowerInclusive ? value < lower : value <= lower { return false }
        if let upper, upperInclusive ? value > upper : value >= upper { return false }
        return true
    }

    /// "in [1, 64]", "in (0, 360]", ">= 1", "> 0", or "finite".
    public var description: String {
        func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        switch (lower, upper) {
        case (let a?, let b?): return "in \(lowerInclusive ? "[" : "(")\(number(a)), \(number(b))\(upperInclusive ? "]" : ")")"
        case (let a?, nil): return "\(lowerInclusive ? ">=" : ">") \(number(a))"
        case (nil, let b?): return "\(upperInclusive ? "<=" : "<") \(number(b))"
        case (nil, nil): return "finite"
        }
    }

    /// Throws "NAME must be BOUNDS, got VALUE" unless `value` is within the bounds.
    public func check(_ value: Double, _ name: String, where context: String, remedy: String = "") throws {
        guard contains(value) else {
            let shown = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
            throw GeoKitError(
                "\(name) must be \(description == "finite" ? "a finite number" : description), got \(shown)",
                where: context, remedy: remedy)
        }
    }
}
