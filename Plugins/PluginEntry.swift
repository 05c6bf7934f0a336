import GeoKit

// The C entry points of a Swift GeoKit plugin, the same for every plugin:
// each in-tree plugin's folder holds a symlink to this file, and
// `geokit plugin new --lang swift` writes this text. The kernel checks the
// ABI version, then calls init, which registers the components of the
// module's `Plugin` type into the process's one registry.

@_cdecl("geokit_plugin_abi_version")
public func geokitPluginABIVersion() -> Int32 { PluginABI.version }

@_cdecl("geokit_plugin_init")
public func geokitPluginInit(_ host: UnsafeRawPointer?) -> Int32 { SwiftPlugin.initialize(Plugin.self) }
