/// The components the kernel itself provides, registered once before any
/// plugin loads.
public enum BuiltinComponents {
    nonisolated(unsafe) private static var registered = false

    public static func register(into registry: Registry = .shared) {
        guard !registered else { return }
        registered = true
        for depth in ResNet.Depth.allCases {
            try! registry.register(
                .backbone, depth.rawValue,
                summary: "torchvision \(depth.rawValue) feature extractor (layer4 output, before pooling)",
                parameters: [ParameterSpec("lastStride", .int(2), "stride of layer4's first block: 2 (torchvision) or 1 (keeps layer3's resolution)")]
            ) { p in
                let lastStride = p.int("lastStride")
                guard lastStride == 1 || lastStride == 2 else {
                    throw GeoKitError("\(depth.rawValue) lastStride must be 1 or 2, got \(lastStride)")
                }
                return ResNet(depth, lastStride: lastStride)
            }
        }
        registerAggregators(into: registry)
        registerViewTransforms(into: registry)
        try! registry.register(.sampler, "random", summary: "shuffled locations, each once per epoch, batches of batchSize (the last partial one dropped)") { _ in
            RandomSampler()
        }
    }

    private static func registerAggregators(into registry: Registry) {
        try! registry.register(.aggregator, "avg", summary: "global average pooling, (N, C, H, W) -> (N, C)") { _ in
            AverageAggregator()
        }
        try! registry.register(.aggregator, "max", summary: "global max pooling, (N, C, H, W) -> (N, C)") { _ in
            MaxAggregator()
        }
        try! registry.register(
            .aggregator, "gem", summary: "generalised-mean pooling with a learnable exponent (key p), (N, C, H, W) -> (N, C)",
            parameters: [
                ParameterSpec("p", .double(3.0), "initial exponent (1 = average pooling, large = max pooling)"),
                ParameterSpec("channels", .int(0), "0: one shared p; else the input's channel count, one p per channel (RK-Net)"),
            ]
        ) { p in
            let channels = p.int("channels")
            guard channels >= 0 else { throw GeoKitError("aggregator:gem channels must be 0 or positive, got \(channels)") }
            return GeMAggregator(initialP: p.double("p"), channels: channels)
        }
        try! registry.register(.aggregator, "flatten", summary: "keeps the spatial layout, (N, C, H, W) -> (N, C*H*W), for polar-aligned inputs") { _ in
            FlattenAggregator()
        }
    }

    private static func registerViewTransforms(into registry: Registry) {
        try! registry.register(
            .view, "polar", summary: "SAFA's polar transform of a square aerial tile to a height x width pseudo-panorama",
            parameters: [ParameterSpec("height", .int(128), "output rows"), ParameterSpec("width", .int(512), "output columns")]
        ) { p in
            let (h, w) = (p.int("height"), p.int("width"))
            guard h > 0 && w > 0 else { throw GeoKitError("view:polar needs positive height and width, got \(h)x\(w)") }
            return PolarView(height: h, width: w)
        }
        try! registry.register(
            .view, "fov", summary: "a limited field-of-view crop of a 360-degree panorama",
            parameters: [
                ParameterSpec("degrees", .double(90), "field of view in degrees, in (0, 360]"),
                ParameterSpec("randomHeading", .bool(true), "centre the crop on a random heading (else on column 0)"),
            ]
        ) { p in
            let degrees = p.double("degrees")
            guard degrees > 0 && degrees <= 360 else { throw GeoKitError("view:fov degrees must be in (0, 360], got \(degrees)") }
            return FieldOfViewCrop(degrees: degrees, randomHeading: p.bool("randomHeading"))
        }
    }
}
