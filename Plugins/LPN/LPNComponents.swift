import GeoKit

/// The components of the LPN method.
public enum LPNComponents {
    public static func register(into registry: Registry) throws {}
}
