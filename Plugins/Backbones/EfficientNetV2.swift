import GeoKit

/// EfficientNetV2-S as a feature extractor, timm 1.0.31's architecture and
/// keys (`conv_stem`, `bn1`, `blocks.S.B.*`, `conv_head`, `bn2`; no
/// classifier), returning the head's 1280-channel map at /32 before pooling:
/// 1280 x 4 x 16 for a 128 x 512 panorama, 20,177,488 parameters.
///
/// Two variants, as in timm: `tf_efficientnetv2_s` (the TensorFlow port:
/// "same" padding, computed from each input's size, and BatchNorm eps 1e-3)
/// and `efficientnetv2_s` (symmetric padding, eps 1e-5). Stage 0 is two
/// ConvBnAct blocks, stages 1-2 FusedMBConv (timm's EdgeResidual), stages
/// 3-5 MBConv with squeeze-excitation (InvertedResidual).
///
/// Its stages are timm's feature_info, named after its modules without the
/// dot: "blocks0" (24, /2), "blocks1" (48, /4), "blocks2" (64, /8),
/// "blocks4" (160, /16), "blocks5" (256, /32), then "head" (1280, /32).
/// Inserted attention modules' keys live under `attention.<stage>.`.
///
/// ```swift
/// let net = EfficientNetV2(.tensorFlow, dropPathRate: 0.2)
/// try net.insert(Registry.shared.make(.attention, "usam"), at: "blocks1")
/// ```
public final class EfficientNetV2: Module, BackboneNetwork {
    public enum Variant: String, CaseIterable, Sendable {
        /// timm's tf_efficientnetv2_s.
        case tensorFlow = "tf_efficientnetv2_s"
        /// timm's efficientnetv2_s.
        case pytorch = "efficientnetv2_s"
    }

    /// One stage of timm's arch_def: block kind, repeats, kernel, first stride, expansion, output channels.
    private struct StageSpec {
        enum Kind { case convBnAct, edgeResidual, invertedResidual }
        let kind: Kind, repeats: Int, kernel: Int, stride: Int, expansion: Int, channels: Int
    }

    /// timm's `_gen_efficientnetv2_s`: cn_r2_k3_s1_e1_c24_skip, er_r4_k3_s2_e4_c48, er_r4_k3_s2_e4_c64,
    /// ir_r6_k3_s2_e4_c128_se0.25, ir_r9_k3_s1_e6_c160_se0.25, ir_r15_k3_s2_e6_c256_se0.25.
    private static let architecture = [
        StageSpec(kind: .convBnAct, repeats: 2, kernel: 3, stride: 1, expansion: 1, channels: 24),
        StageSpec(kind: .edgeResidual, repeats: 4, kernel: 3, stride: 2, expansion: 4, channels: 48),
        StageSpec(kind: .edgeResidual, repeats: 4, kernel: 3, stride: 2, expansion: 4, channels: 64),
        StageSpec(kind: .invertedResidual, repeats: 6, kernel: 3, stride: 2, expansion: 4, channels: 128),
        StageSpec(kind: .invertedResidual, repeats: 9, kernel: 3, stride: 1, expansion: 6, channels: 160),
        StageSpec(kind: .invertedResidual, repeats: 15, kernel: 3, stride: 2, expansion: 6, channels: 256)
    ]
    private static let stemChannels = 24, headChannels = 1280

    public let variant: Variant
    public var stages: [FeatureStage] { Self.stageList }
    private static let stageList = [
        FeatureStage("blocks0", channels: 24, reduction: 2), FeatureStage("blocks1", channels: 48, reduction: 4),
        FeatureStage("blocks2", channels: 64, reduction: 8), FeatureStage("blocks4", channels: 160, reduction: 16),
        FeatureStage("blocks5", channels: 256, reduction: 32), FeatureStage("head", channels: 1280, reduction: 32)
    ]
    /// timm's default_cfg: tf_efficientnetv2_s (in21k_ft_in1k) mean/std 0.5 at 300 x 300, efficientnetv2_s
    /// ImageNet statistics at 288 x 288; both bicubic.
    public var inputConfiguration: InputConfiguration {
        switch variant {
        case .tensorFlow: InputConfiguration(statistics: .half, height: 300, width: 300, interpolation: .bicubic)
        case .pytorch: InputConfiguration(statistics: .imageNet, height: 288, width: 288, interpolation: .bicubic)
        }
    }

    private let style: EfficientNetStyle
    private let convStem: Module, bn1: BatchNorm
    private let blocks: Sequential
    private let convHead: Conv2d, bn2: BatchNorm
    private let attention: StageAttention

    /// - Parameter dropPathRate: timm's drop_path_rate: block i of the 40 (counted across all stages) drops
    ///   its residual branch with probability dropPathRate * i / 40 while training.
    public init(_ variant: Variant, dropPathRate: Double = 0) {
        self.variant = variant
        style = variant == .tensorFlow ? .tensorFlowV2 : .pytorchV2
        convStem = style.conv(3, Self.stemChannels, kernel: 3, stride: 2)
        bn1 = style.norm(Self.stemChannels)
        let total = Self.architecture.reduce(0) { $0 + $1.repeats }
        var inChannels = Self.stemChannels, index = 0
        var stageModules: [Module] = []
        for spec in Self.architecture {
            var stage: [Module] = []
            for b in 0..<spec.repeats {
                let stride = b == 0 ? spec.stride : 1
                let rate = dropPathRate * Double(index) / Double(total)
                let block: Module =
                    switch spec.kind {
                    case .convBnAct:
                        ConvBnActBlock(inChannels, spec.channels, kernel: spec.kernel, stride: stride, style: style, dropPath: rate)
                    case .edgeResidual:
                        EdgeResidualBlock(
                            inChannels, spec.channels, kernel: spec.kernel, stride: stride,
                            expansion: spec.expansion, style: style, dropPath: rate)
                    case .invertedResidual:
                        InvertedResidualBlock(
                            inChannels, spec.channels, kernel: spec.kernel, stride: stride,
                            expansion: spec.expansion, style: style, dropPath: rate)
                    }
                stage.append(block)
                inChannels = spec.channels
                index += 1
            }
            stageModules.append(Sequential(stage))
        }
        blocks = Sequential(stageModules)
        convHead = Conv2d(inChannels, Self.headChannels, kernelSize: 1, bias: false)
        bn2 = style.norm(Self.headChannels)
        attention = StageAttention(stages: Self.stageList)
        super.init()
        register("conv_stem", convStem)
        register("bn1", bn1)
        register("blocks", blocks)
        register("conv_head", convHead)
        register("bn2", bn2)
        register("attention", attention)
        EfficientNetStyle.initialise(self)
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        var y = style.convolve(convStem, x, bn1)
        // Every stage passes through `attention`; only the names in `stages` can hold a module.
        for s in 0..<blocks.count { y = attention(blocks[s](y), after: "blocks\(s)") }
        return attention(style.convolve(convHead, y, bn2), after: "head")
    }

    public func insert(_ module: AttentionModule, at stage: String) throws {
        try attention.insert(module, at: stage, of: self)
    }
}
