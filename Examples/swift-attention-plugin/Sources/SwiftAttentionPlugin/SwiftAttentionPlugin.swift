import GeoKit

/// The example's one component (the type PluginEntry.swift registers).
enum Plugin: GeoKitPlugin {
    static func register(into registry: Registry) throws {
        try registry.register(
            .attention, "cbam_spatial", summary: "CBAM's spatial gate: sigmoid(conv([max_c x, mean_c x])) reweights every position",
            parameters: [ParameterSpec("kernel", .int(7), "side of the square convolution (odd: 3 or 7 in the paper)", bounds: .between(1, 31))]
        ) { p in
            // Oddness keeps the output the input's size; the schema's bounds cannot say it.
            let kernel = p.int("kernel")
            guard kernel % 2 == 1 else {
                throw GeoKitError("attention:cbam_spatial kernel must be odd, got \(kernel)", remedy: "use kernel=7 or kernel=3")
            }
            return SpatialGate(kernelSize: kernel)
        }
    }
}
