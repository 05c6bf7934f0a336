import GeoKit

/// The components of the SAFA method.
public enum SAFAComponents {
    public static func register(into registry: Registry) throws {}
}
