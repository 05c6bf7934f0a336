import GeoKit

/// The components of the Sample4Geo method.
public enum Sample4GeoComponents {
    public static func register(into registry: Registry) throws {
        try registry.register(
            .loss, "infonce",
            summary: "Sample4Geo's symmetric InfoNCE with a learnable temperature (key logit_scale)",
            parameters: [ParameterSpec("labelSmoothing", .double(0.1), "label smoothing of both cross-entropies, in [0, 1]")]
        ) { p in
            let smoothing = p.double("labelSmoothing")
            guard smoothing >= 0 && smoothing <= 1 else {
                throw GeoKitError("loss:infonce labelSmoothing must be in [0, 1], got \(smoothing)")
            }
            return InfoNCELoss(labelSmoothing: smoothing)
        }
        try registry.register(.sampler, "gps", summary: "Sample4Geo's GPS sampling: batches of geographic neighbours (needs the dataset's gps.csv)",
                              parameters: [ParameterSpec("range", .int(128), "neighbours considered per anchor"),
                                           ParameterSpec("select", .int(64), "neighbours added per anchor: half nearest, half random from the range")]) { p in
            GPSSampler(range: p.int("range"), select: p.int("select"))
        }
    }
}
