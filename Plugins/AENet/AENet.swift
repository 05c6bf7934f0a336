import GeoKit

/// The components of the AENet method (the type Plugins/PluginEntry.swift registers).
enum Plugin: GeoKitPlugin {
    static func register(into registry: Registry) throws {
        try registry.register(
            .attention, "triplet",
            summary: "Triplet Attention: gates over the (C,W), (H,C) and (H,W) planes, averaged (keys ChannelGateH/ChannelGateW/SpatialGate.spatial.*)"
        ) { _ in
            TripletAttention()
        }
        try registry.register(
            .loss, "mhnw",
            summary: "AENet's multiple hard negatives weighting: every hard negative of an anchor, weighted by its hardness",
            parameters: [
                ParameterSpec("alpha", .double(10), "scale inside log(1 + exp(alpha (d_ap - d_an)))", bounds: .aboveUpTo(0, 1000)),
                ParameterSpec("symmetric", .bool(false), "also anchor on the satellites and average both directions")
            ]
        ) { p in
            MHNWLoss(alpha: p.double("alpha"), symmetric: p.bool("symmetric"))
        }
        try registry.register(
            .loss, "wsmr_hard",
            summary: "batch-hard weighted soft-margin ranking (AENet eq. 3.1): each ground anchor against its hardest negative",
            parameters: [ParameterSpec("alpha", .double(10), "scale inside log(1 + exp(alpha (d_ap - min_n d_an)))", bounds: .aboveUpTo(0, 1000))]
        ) { p in
            WSMRHardLoss(alpha: p.double("alpha"))
        }
    }
}
