import Foundation

/// A WGS84 position in degrees.
public struct GeoPosition: Sendable, Equatable, Codable {
    public let latitude: Double
    public let longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Whether the numbers are a position: finite, latitude in -90...90, longitude in -180...180.
    public var isValid: Bool {
        latitude.isFinite && longitude.isFinite && (-90...90).contains(latitude) && (-180...180).contains(longitude)
    }

    /// The great-circle distance in metres (haversine on a sphere of the mean Earth radius,
    /// 6,371,008.8 m: within 0.5% of the ellipsoid, far below a retrieval's error).
    public func metres(to other: GeoPosition) -> Double {
        let radius = 6_371_008.8
        let phi1 = latitude * .pi / 180, phi2 = other.latitude * .pi / 180
        let dPhi = phi2 - phi1, dLambda = (other.longitude - longitude) * .pi / 180
        let a = sin(dPhi / 2) * sin(dPhi / 2) + cos(phi1) * cos(phi2) * sin(dLambda / 2) * sin(dLambda / 2)
        return 2 * radius * asin(min(1, a.squareRoot()))
    }
}
