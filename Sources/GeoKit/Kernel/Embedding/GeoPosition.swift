import Foundation
import GeoKitData

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

    /// The great-circle distance in metres (`GPSTable.haversineMetres`: a sphere of the mean Earth radius,
    /// within 0.5% of the ellipsoid, far below a retrieval's error).
    public func metres(to other: GeoPosition) -> Double {
        GPSTable.haversineMetres(latitude, longitude, other.latitude, other.longitude)
    }
}
