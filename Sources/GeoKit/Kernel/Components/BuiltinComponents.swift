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
    }
}
