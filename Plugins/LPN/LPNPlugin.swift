import GeoKit

// The library's entry points: the kernel checks the ABI version, then calls
// init, which registers this method's components into the shared registry.

@_cdecl("geokit_plugin_abi_version")
public func geokitPluginABIVersion() -> Int32 { PluginABI.version }

@_cdecl("geokit_plugin_init")
public func geokitPluginInit(_ host: UnsafeRawPointer?) -> Int32 {
    SwiftPlugin.initialize { registry in try LPNComponents.register(into: registry) }
}
