import GeoKit

/// ConvNeXt-Tiny/Base as a feature extractor with timm 1.0.31's layout and
/// keys (`stem.0.weight`, `stages.1.downsample.0.weight`,
/// `stages.2.blocks.5.mlp.fc1.weight`, `stages.0.blocks.0.gamma`, ...),
/// returning the last stage's map (N, C, H/32, W/32): timm's
/// `forward_features`. timm's `head.norm` (a LayerNorm applied after global
/// pooling, in `forward_head`) is not part of the backbone; load a timm
/// checkpoint with `strict: false`, which leaves out `head.*`.
///
/// ```swift
/// let net = ConvNeXt(.convnextTiny)
/// let features = net(images)   // (N, 768, H/32, W/32)
/// ```
///
/// Its stages are "stage0" ... "stage3", timm's feature_info modules
/// `stages.0` ... `stages.3` (a stage name is a module name, which cannot
/// hold a dot), at reductions 4, 8, 16, 32.
public final class ConvNeXt: Module, BackboneNetwork {
    public enum Variant: String, CaseIterable, Sendable {
        case convnextTiny = "convnext_tiny", convnextBase = "convnext_base"

        var depths: [Int] { self == .convnextTiny ? [3, 3, 9, 3] : [3, 3, 27, 3] }
        var widths: [Int] { self == .convnextTiny ? [96, 192, 384, 768] : [128, 256, 512, 1024] }
    }

    public let variant: Variant
    public let stages: [FeatureStage]
    /// timm's default_cfg: ImageNet statistics, 224 x 224, bicubic.
    public var inputConfiguration: InputConfiguration {
        InputConfiguration(statistics: .imageNet, interpolation: .bicubic)
    }

    private let stem: Sequential
    private let convStages: Sequential
    private let attention: StageAttention

    /// - Parameter dropPath: the stochastic-depth rate of the last block; block j of all n gets
    ///   dropPath * j / (n - 1), as timm's `drop_path_rate`. Identity in evaluation.
    public init(_ variant: Variant, dropPath: Double = 0) {
        self.variant = variant
        let widths = variant.widths
        stages = widths.enumerated().map { FeatureStage("stage\($0.offset)", channels: $0.element, reduction: 4 << $0.offset) }
        attention = StageAttention(stages: stages)
        stem = Sequential([Conv2d(3, widths[0], kernelSize: 4, stride: 4), LayerNorm(widths[0], eps: 1e-6, channelsFirst: true)])
        let total = variant.depths.reduce(0, +)
        var first = 0
        var built: [Module] = []
        for (i, depth) in variant.depths.enumerated() {
            let rates = (first..<first + depth).map { total > 1 ? dropPath * Double($0) / Double(total - 1) : dropPath }
            built.append(ConvNeXtStage(inChannels: i == 0 ? widths[0] : widths[i - 1], channels: widths[i], dropPaths: rates))
            first += depth
        }
        convStages = Sequential(built)
        super.init()
        register("stem", stem)
        register("stages", convStages)
        register("attention", attention)
        initialiseLikeTimm()
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        var y = stem(x)
        for (i, stage) in convStages.layers.enumerated() { y = attention(stage(y), after: "stage\(i)") }
        return y
    }

    /// floor(side / reduction): the 4x4 stem and the 2x2 downsampling convolutions have no padding.
    public func stageMapSize(_ stage: String, height: Int, width: Int) -> (height: Int, width: Int) {
        let r = stages.first { $0.name == stage }?.reduction ?? outputStride
        return (height / r, width / r)
    }

    public func insert(_ module: AttentionModule, at stage: String) throws {
        try attention.insert(module, at: stage, of: self)
    }

    /// timm's `_init_weights`: truncated-normal (std .02) conv and linear weights, biases 0
    /// (LayerNorms keep 1 and 0, layer scales 1e-6).
    private func initialiseLikeTimm() {
        for (_, module) in namedModules() {
            if let conv = module as? Conv2d {
                Init.truncatedNormal(conv.weight, std: 0.02)
                if let bias = conv.bias { Init.zeros(bias) }
            } else if let linear = module as? Linear {
                Init.truncatedNormal(linear.weight, std: 0.02)
                if let bias = linear.bias { Init.zeros(bias) }
            }
        }
    }
}

/// timm's ConvNeXtStage: a downsample (channels-first LayerNorm, then a 2x2
/// stride-2 conv; none in the first stage, which the stem already brings
/// to /4) and the blocks.
final class ConvNeXtStage: Module {
    private let downsample: Sequential?
    private let blocks: Sequential

    init(inChannels: Int, channels: Int, dropPaths: [Double]) {
        downsample =
            inChannels == channels
            ? nil
            : Sequential([
                LayerNorm(inChannels, eps: 1e-6, channelsFirst: true),
                Conv2d(inChannels, channels, kernelSize: 2, stride: 2)
            ])
        blocks = Sequential(dropPaths.map { ConvNeXtBlock(channels, dropPath: $0) })
        super.init()
        if let downsample { register("downsample", downsample) }
        register("blocks", blocks)
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        blocks(downsample?(x) ?? x)
    }
}

/// timm's ConvNeXtBlock (the Linear form): 7x7 depthwise conv, then in
/// channels-last layout LayerNorm, Linear to 4C, exact GELU, Linear back,
/// the layer scale `gamma`, drop path, and the residual.
final class ConvNeXtBlock: Module {
    private let gamma: Tensor
    private let convDW: Conv2d
    private let norm: LayerNorm
    private let fc1: Linear, fc2: Linear
    private let dropPath: DropPath

    init(_ channels: Int, dropPath rate: Double) {
        gamma = Tensor.full(1e-6, shape: [channels])
        convDW = Conv2d(channels, channels, kernelSize: (7, 7), padding: (3, 3), groups: channels)
        norm = LayerNorm(channels, eps: 1e-6)
        fc1 = Linear(channels, 4 * channels)
        fc2 = Linear(4 * channels, channels)
        dropPath = DropPath(rate)
        super.init()
        registerParameter("gamma", gamma)
        register("conv_dw", convDW)
        register("norm", norm)
        let mlp = Module()
        mlp.register("fc1", fc1)
        mlp.register("fc2", fc2)
        register("mlp", mlp)
        register("drop_path", dropPath)
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        let y = convDW(x).permuted([0, 2, 3, 1])
        // The layer scale multiplies the channels-last map's last axis, before the permute back.
        let branch = (fc2(fc1(norm(y)).gelu()) * gamma).permuted([0, 3, 1, 2])
        return dropPath(branch) + x
    }
}

extension Plugin {
    static func registerConvNeXt(into registry: Registry) throws {
        for variant in ConvNeXt.Variant.allCases {
            try registry.register(
                .backbone, variant.rawValue,
                summary: "timm \(variant.rawValue) forward_features (last stage, /32, without head.norm; stages stage0..stage3)",
                parameters: [
                    ParameterSpec(
                        "dropPath", .double(0), "stochastic-depth rate of the last block (timm's drop_path_rate)",
                        bounds: .between(0, 1))
                ]
            ) { p in
                ConvNeXt(variant, dropPath: p.double("dropPath"))
            }
        }
    }
}
