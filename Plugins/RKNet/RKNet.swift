import GeoKit

/// The components of the RKNet method (the type Plugins/PluginEntry.swift registers).
enum Plugin: GeoKitPlugin {
    static func register(into registry: Registry) throws {
        try registry.register(
            .attention, "usam",
            summary: "RK-Net's Unit Subtraction Attention Module: boosts local peaks of the channel-summed map (keys bn.*)",
            parameters: [ParameterSpec("polish", .bool(true), "zero the attention map's first and last row and column")]
        ) { p in
            USAM(polish: p.bool("polish"))
        }
    }
}
