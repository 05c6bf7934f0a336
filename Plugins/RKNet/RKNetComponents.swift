import GeoKit

/// The components of the RKNet method.
public enum RKNetComponents {
    public static func register(into registry: Registry) throws {}
}
