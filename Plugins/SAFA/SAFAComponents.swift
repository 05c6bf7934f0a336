import GeoKit

/// The components of the SAFA method.
public enum SAFAComponents {
    public static func register(into registry: Registry) throws {
        try registry.register(
            .aggregator, "safa",
            summary: "Spatial-Aware Feature Aggregation: K learned spatial weightings of the local features (keys weights1/biases1/weights2/biases2)",
            parameters: [
                ParameterSpec("heads", .int(8), "number of spatial weightings K (descriptor size K * C)"),
                ParameterSpec("height", .int(4), "height of the feature maps it is built for (VGG16 at 128x512 after SAFA's 2x2 max-pool: 4)"),
                ParameterSpec("width", .int(16), "width of the feature maps it is built for (VGG16 at 128x512 after SAFA's 2x2 max-pool: 16)"),
            ]
        ) { p in
            let (heads, height, width) = (p.int("heads"), p.int("height"), p.int("width"))
            guard heads > 0, height > 0, width > 0, height * width >= 2 else {
                throw GeoKitError("aggregator:safa needs heads, height and width > 0 and at least 2 positions, got heads \(heads), \(height)x\(width)")
            }
            return SAFAAggregator(heads: heads, height: height, width: width)
        }
        try registry.register(
            .loss, "wsmr",
            summary: "weighted soft-margin ranking (CVM-Net, SAFA): every pair of the batch, both directions, D = 2 - 2 S G^T",
            parameters: [ParameterSpec("alpha", .double(10), "scale inside log(1 + exp(alpha (p - D)))")]
        ) { p in
            WSMRLoss(alpha: p.double("alpha"))
        }
    }
}
