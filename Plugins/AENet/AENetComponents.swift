import GeoKit

/// The components of the AENet method.
public enum AENetComponents {
    public static func register(into registry: Registry) throws {}
}
