import GeoKit

// The library's entry points: geokit checks the ABI version, then calls
// init, which registers the component into the process's one registry.

@_cdecl("geokit_plugin_abi_version")
public func geokitPluginABIVersion() -> Int32 { PluginABI.version }

@_cdecl("geokit_plugin_init")
public func geokitPluginInit(_ host: UnsafeRawPointer?) -> Int32 {
    SwiftPlugin.initialize { registry in
        try registry.register(
            .attention, "cbam_spatial", summary: "CBAM's spatial gate: sigmoid(conv([max_c x, mean_c x])) reweights every position",
            parameters: [ParameterSpec("kernel", .int(7), "side of the square convolution (odd: 3 or 7 in the paper)")]
        ) { p in
            let kernel = p.int("kernel")
            guard kernel > 0, kernel % 2 == 1 else {
                throw GeoKitError("attention:cbam_spatial kernel must be odd and positive, got \(kernel)", remedy: "use kernel=7 or kernel=3")
            }
            return SpatialGate(kernelSize: kernel)
        }
    }
}

// What the plugin sees of the kernel, for a host to compare with its own
// (one kernel in memory): the address of the registry object, and whether
// gradients are recorded right now.

@_cdecl("swift_attention_plugin_registry")
public func swiftAttentionPluginRegistry() -> UnsafeMutableRawPointer {
    Unmanaged.passUnretained(Registry.shared).toOpaque()
}

@_cdecl("swift_attention_plugin_grad_enabled")
public func swiftAttentionPluginGradEnabled() -> Bool { GradMode.isEnabled }
