import GeoKit

/// The components of the Sample4Geo method.
public enum Sample4GeoComponents {
    public static func register(into registry: Registry) throws {}
}
