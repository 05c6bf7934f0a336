import GeoKit

/// The components of the Sample4Geo method (the type Plugins/PluginEntry.swift registers).
enum Plugin: GeoKitPlugin {
    static func register(into registry: Registry) throws {
        try registry.register(
            .loss, "infonce",
            summary: "Sample4Geo's symmetric InfoNCE with a learnable temperature (key logit_scale)",
            parameters: [ParameterSpec("labelSmoothing", .double(0.1), "label smoothing of both cross-entropies", bounds: .between(0, 1))]
        ) { p in
            InfoNCELoss(labelSmoothing: p.double("labelSmoothing"))
        }
        try registry.register(
            .aggregator, "avgnorm",
            summary: "Sample4Geo's ConvNeXt descriptor: global average pooling, then LayerNorm over channels (timm's head.norm; keys norm.*)",
            parameters: [
                ParameterSpec("channels", .int(1024), "channels of the backbone's map (convnext_base 1024, convnext_tiny 768)", bounds: .between(1, 65_536))
            ]
        ) { p in
            AvgNormAggregator(channels: p.int("channels"))
        }
        try registry.register(
            .sampler, "gps", summary: "Sample4Geo's GPS sampling: batches of geographic neighbours (needs the dataset's location data)",
            parameters: neighbourBatches
        ) { p in
            GPSSampler(range: p.int("range"), select: p.int("select"))
        }
        try registry.register(
            .sampler, "dss",
            summary: "Sample4Geo's dynamic similarity sampling: GPS batches, then batches of look-alikes re-mined every `every` epochs",
            parameters: neighbourBatches + [
                ParameterSpec("every", .int(4), "re-mine the table after every N epochs' evaluation", bounds: .between(1, 100_000))
            ]
        ) { p in
            DSSSampler(range: p.int("range"), select: p.int("select"), every: p.int("every"))
        }
    }

    /// How `gps` and `dss` compose a batch from a neighbour table (geographic, or for `dss` later mined).
    private static let neighbourBatches = [
        ParameterSpec("range", .int(128), "neighbours considered per anchor (and kept per location when mined)", bounds: .between(1, 100_000)),
        ParameterSpec("select", .int(64), "neighbours added per anchor: half nearest, half random from the range", bounds: .between(0, 100_000))
    ]
}
