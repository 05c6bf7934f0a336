import GeoKitComponents
import GeoKitCore

/// A Swift plugin's components. A plugin library declares one type named
/// `Plugin` conforming to this; the library's two C entry points (the one
/// shared file Plugins/PluginEntry.swift, which `geokit plugin new` writes
/// too) pass it to `SwiftPlugin.initialize`.
///
/// ```swift
/// enum Plugin: GeoKitPlugin {
///     static func register(into registry: Registry) throws {
///         try registry.register(.attention, "gate", summary: "...") { _ in Gate() }
///     }
/// }
/// ```
public protocol GeoKitPlugin {
    /// Registers the plugin's components; a thrown error fails the load
    /// and withdraws whatever was registered before it.
    static func register(into registry: Registry) throws
}

/// What a Swift plugin's `geokit_plugin_init` calls.
public enum SwiftPlugin {
    /// Registers `plugin`'s components into the process's one registry;
    /// 0 on success, else 1 with the error reported to the loader.
    public static func initialize(_ plugin: any GeoKitPlugin.Type) -> Int32 {
        do {
            try plugin.register(into: Registry.shared)
            return 0
        } catch {
            PluginLoader.reportInitError("\(error)")
            return 1
        }
    }
}
