import GeoKit

/// The components of the SAFA method (the type Plugins/PluginEntry.swift registers).
enum Plugin: GeoKitPlugin {
    static func register(into registry: Registry) throws {
        try registry.register(
            .aggregator, "safa",
            summary: "Spatial-Aware Feature Aggregation: K learned spatial weightings of the local features (keys weights1/biases1/weights2/biases2)",
            parameters: [
                ParameterSpec("heads", .int(8), "number of spatial weightings K (descriptor size K * C)", bounds: .between(1, 64)),
                ParameterSpec(
                    "height", .int(4), "height of the feature maps it is built for (VGG16 at 128x512 after SAFA's 2x2 max-pool: 4)",
                    bounds: .between(1, Double(SAFAAggregator.largestMap))),
                ParameterSpec(
                    "width", .int(16), "width of the feature maps it is built for (VGG16 at 128x512 after SAFA's 2x2 max-pool: 16)",
                    bounds: .between(1, Double(SAFAAggregator.largestMap)))
            ]
        ) { p in
            let (heads, height, width) = (p.int("heads"), p.int("height"), p.int("width"))
            // The weights hold (HW)^2 K numbers, hence a limit on the map's positions as well as on each side.
            guard (2...SAFAAggregator.largestMap).contains(height * width) else {
                throw GeoKitError(
                    "aggregator:safa needs a map of 2 to \(SAFAAggregator.largestMap) positions, got \(height)x\(width)",
                    where: "aggregator:safa", remedy: "set height and width to the backbone's feature map size")
            }
            return SAFAAggregator(heads: heads, height: height, width: width)
        }
        try registry.register(
            .loss, "wsmr",
            summary: "weighted soft-margin ranking (CVM-Net, SAFA): every pair of the batch, both directions, D = 2 - 2 S G^T",
            parameters: [ParameterSpec("alpha", .double(10), "scale inside log(1 + exp(alpha (p - D)))", bounds: .aboveUpTo(0, 1000))]
        ) { p in
            WSMRLoss(alpha: p.double("alpha"))
        }
    }
}
