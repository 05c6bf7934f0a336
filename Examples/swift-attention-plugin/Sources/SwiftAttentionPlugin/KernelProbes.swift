import GeoKit

// What the plugin sees of the kernel, for a host to compare with its own
// (one kernel in memory): the address of the registry object, and whether
// gradients are recorded right now.

@_cdecl("swift_attention_plugin_registry")
public func swiftAttentionPluginRegistry() -> UnsafeMutableRawPointer {
    Unmanaged.passUnretained(Registry.shared).toOpaque()
}

@_cdecl("swift_attention_plugin_grad_enabled")
public func swiftAttentionPluginGradEnabled() -> Bool { GradMode.isEnabled }
