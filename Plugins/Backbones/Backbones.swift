import GeoKit

/// GeoKit's model zoo: every backbone family, registered as `backbone:<name>`
/// with the reference implementation's state-dict keys (the type
/// Plugins/PluginEntry.swift registers). Each family's file adds its
/// entries through a `register<Family>(into:)` function listed here.
enum Plugin: GeoKitPlugin {
    static func register(into registry: Registry) throws {
        try registerResNets(into: registry)
        try registerVGG(into: registry)
        try registerConvNeXt(into: registry)
        try registerEfficientNets(into: registry)
    }

    static func registerResNets(into registry: Registry) throws {
        for depth in ResNet.Depth.allCases {
            try registry.register(
                .backbone, depth.rawValue,
                summary: "torchvision \(depth.rawValue) feature extractor (layer4 output, before pooling; stages stem, layer1..layer4)",
                parameters: [
                    ParameterSpec(
                        "lastStride", .int(2), "stride of layer4's first block: 2 (torchvision) or 1 (keeps layer3's resolution)",
                        bounds: .between(1, 2))
                ]
            ) { p in
                ResNet(depth, lastStride: p.int("lastStride"))
            }
        }
    }
}
