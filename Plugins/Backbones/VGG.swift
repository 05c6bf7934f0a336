import GeoKit

/// VGG-16 (optionally with batch norm) as a feature extractor: torchvision's
/// `vgg16().features` / `vgg16_bn().features`, returning conv5_3 after its
/// ReLU (stride 16), as SAFA and LPN use it; `finalPool` adds the last
/// max-pool (stride 32, the whole of torchvision's `features`). Parameter
/// names are torchvision's (`features.0.weight`, `features.1.running_var`
/// for the BN variant, N being torchvision's index of the layer), so a
/// torchvision checkpoint loads with `strict: false`, which leaves out its
/// `classifier.*`.
///
/// ```swift
/// let net = VGG(batchNorm: false)
/// let features = net(images)   // (N, 512, H/16, W/16)
/// ```
///
/// Its stages are "block1" ... "block5", each after its block's last ReLU
/// and before the block's max-pool (reductions 1, 2, 4, 8, 16), and, with
/// `finalPool`, "pool5" (/32). Max-pools floor odd sizes, as torch's do.
public final class VGG: Module, BackboneNetwork {
    /// Output channels of the 13 convolutions, grouped into torchvision's five blocks (configuration "D").
    static let blocks = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]

    public let batchNorm: Bool
    public let finalPool: Bool
    public let stages: [FeatureStage]
    public var inputConfiguration: InputConfiguration { .imageNet }

    private let features: Sequential
    private let attention: StageAttention
    /// The index in `features` after which each stage ends.
    private let stageEnds: [Int: String]

    public init(batchNorm: Bool, finalPool: Bool = false) {
        self.batchNorm = batchNorm
        self.finalPool = finalPool
        var layers: [Module] = []
        var stages: [FeatureStage] = []
        var stageEnds: [Int: String] = [:]
        var inChannels = 3
        for (b, widths) in Self.blocks.enumerated() {
            // Every block but the first starts with the previous block's max-pool (torchvision's order).
            if b > 0 { layers.append(MaxPool2d(kernel: 2, stride: 2)) }
            for width in widths {
                layers.append(Conv2d(inChannels, width, kernelSize: 3, padding: 1))
                if batchNorm { layers.append(BatchNorm(width)) }
                layers.append(ReLU())
                inChannels = width
            }
            let name = "block\(b + 1)"
            stageEnds[layers.count - 1] = name
            stages.append(FeatureStage(name, channels: inChannels, reduction: 1 << b))
        }
        if finalPool {
            layers.append(MaxPool2d(kernel: 2, stride: 2))
            stageEnds[layers.count - 1] = "pool5"
            stages.append(FeatureStage("pool5", channels: inChannels, reduction: 32))
        }
        self.stages = stages
        self.stageEnds = stageEnds
        features = Sequential(layers)
        attention = StageAttention(stages: stages)
        super.init()
        register("features", features)
        register("attention", attention)
        initialiseLikeTorchvision()
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        for (i, layer) in features.layers.enumerated() {
            y = layer(y)
            if let stage = stageEnds[i] { y = attention(y, after: stage) }
        }
        return y
    }

    /// floor(side / reduction): 2x2 max-pools of stride 2 without padding drop an odd row or column.
    public func stageMapSize(_ stage: String, height: Int, width: Int) -> (height: Int, width: Int) {
        let r = stages.first { $0.name == stage }?.reduction ?? outputStride
        return (height / r, width / r)
    }

    public func insert(_ module: AttentionModule, at stage: String) throws {
        try attention.insert(module, at: stage, of: self)
    }

    /// torchvision's VGG init: kaiming-normal (fan-out, relu) conv weights, conv biases 0; BN weight 1, bias 0.
    private func initialiseLikeTorchvision() {
        for (_, module) in namedModules() {
            guard let conv = module as? Conv2d else { continue }
            Init.kaimingNormal(conv.weight, mode: .fanOut, nonlinearity: .relu)
            if let bias = conv.bias { Init.constant(bias, 0) }
        }
    }
}

extension Plugin {
    static func registerVGG(into registry: Registry) throws {
        for (name, batchNorm) in [("vgg16", false), ("vgg16_bn", true)] {
            try registry.register(
                .backbone, name,
                summary: "torchvision \(name)().features (conv5_3 after its ReLU, /16; stages block1..block5)",
                parameters: [ParameterSpec("finalPool", .bool(false), "add the last max-pool (output at /32, stage pool5)")]
            ) { p in
                VGG(batchNorm: batchNorm, finalPool: p.bool("finalPool"))
            }
        }
    }
}
