import GeoKit
import XCTest

/// The in-tree method plugins, loaded through the real loader (from the
/// build directory, next to libGeoKit.so) once per test process, as the CLI
/// does at start.
enum InTreePlugins {
    /// The loader's errors from the one load of this process (empty when all loaded).
    nonisolated(unsafe) private static var loadErrors: [GeoKitError]?

    /// Loads everything on first use; fails the calling test if any plugin did not load.
    static func load(file: StaticString = #filePath, line: UInt = #line) {
        if loadErrors == nil {
            loadErrors = PluginLoader.loadAll()
        }
        XCTAssertEqual(loadErrors?.map(\.description) ?? [], [], "plugin loading failed", file: file, line: line)
    }
}

/// A backbone of the model zoo (the Backbones plugin), built through the
/// registry as a recipe builds it.
func zooBackbone(
    _ name: String, _ parameters: [String: ParameterValue] = [:],
    file: StaticString = #filePath, line: UInt = #line
) throws -> any BackboneNetwork {
    InTreePlugins.load(file: file, line: line)
    return try Registry.shared.make(.backbone, name, parameters)
}
