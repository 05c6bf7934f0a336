import Foundation

/// GeoKit's cache (compiled recipes, synthetic worlds): `$GEOKIT_CACHE`, or
/// `~/.cache/geokit` when it is unset or empty. The one place that reads the variable.
public enum CacheDirectory {
    /// The cache's subdirectory `name` (e.g. "recipes", "worlds"); not created here.
    public static func url(_ name: String) -> URL {
        if let root = ProcessInfo.processInfo.environment["GEOKIT_CACHE"], !root.isEmpty {
            return URL(fileURLWithPath: root).appendingPathComponent(name)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/geokit").appendingPathComponent(name)
    }
}
