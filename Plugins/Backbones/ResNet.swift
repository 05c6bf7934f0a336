import GeoKit

/// ResNet-18/34/50 as a feature extractor (torchvision's v1.5 layout: the
/// stride of a bottleneck sits on its 3x3 conv), returning layer4's feature
/// map before pooling. Parameter names are torchvision's (`conv1.weight`,
/// `layer1.0.bn1.running_var`, ...) so its state dicts load unchanged.
///
/// ```swift
/// let net = ResNet(.resnet50, lastStride: 1)
/// let features = net(images)   // (N, 2048, H/16, W/16) with lastStride 1
/// ```
///
/// Its stages are "stem" (after conv1-bn1-relu, before the max-pool) and
/// "layer1" ... "layer4"; attention modules go in after any of them. RK-Net
/// puts USAM at "stem" and "layer1". An inserted module's keys live under
/// `attention.<stage>.`, e.g. `attention.stem.bn.weight`, so
/// every torchvision key is unchanged (load a torchvision checkpoint with
/// `strict: false`, or before inserting).
///
/// ```swift
/// try net.insert(Registry.shared.make(.attention, "usam"), at: "stem")
/// ```
public final class ResNet: Module, BackboneNetwork {
    public enum Depth: String, CaseIterable, Sendable {
        case resnet18, resnet34, resnet50

        var blocks: [Int] {
            switch self {
            case .resnet18: [2, 2, 2, 2]
            case .resnet34, .resnet50: [3, 4, 6, 3]
            }
        }
        var isBottleneck: Bool { self == .resnet50 }
    }

    public let depth: Depth
    /// stem (64, /2), layer1 ... layer4; layer4 is at /32, or /16 with lastStride 1.
    public let stages: [FeatureStage]
    public var inputConfiguration: InputConfiguration { .imageNet }

    private let conv1: Conv2d
    private let bn1: BatchNorm
    private let layers: [Sequential]
    private let attention: StageAttention

    /// - Parameter lastStride: 2 as in torchvision, or 1 to keep layer4 at
    ///   layer3's resolution (the first block's conv2 and downsample use stride 1).
    public init(_ depth: Depth, lastStride: Int = 2) {
        require(lastStride == 1 || lastStride == 2, "GeoKit: ResNet lastStride must be 1 or 2, got \(lastStride)")
        self.depth = depth
        let expansion = depth.isBottleneck ? 4 : 1
        stages =
            [FeatureStage("stem", channels: 64, reduction: 2)]
            + (0..<4).map { FeatureStage("layer\($0 + 1)", channels: (64 << $0) * expansion, reduction: $0 == 3 ? 16 * lastStride : 4 << $0) }
        attention = StageAttention(stages: stages)
        conv1 = Conv2d(3, 64, kernelSize: 7, stride: 2, padding: 3, bias: false)
        bn1 = BatchNorm(64)
        var inChannels = 64
        var layers: [Sequential] = []
        for (index, count) in depth.blocks.enumerated() {
            let width = 64 << index
            let stride = index == 0 ? 1 : (index == 3 ? lastStride : 2)
            var blocks: [Module] = []
            for b in 0..<count {
                let blockStride = b == 0 ? stride : 1
                let block: Module =
                    depth.isBottleneck
                    ? Bottleneck(inChannels, width, stride: blockStride)
                    : BasicBlock(inChannels, width, stride: blockStride)
                blocks.append(block)
                inChannels = width * expansion
            }
            layers.append(Sequential(blocks))
        }
        self.layers = layers
        super.init()
        register("conv1", conv1)
        register("bn1", bn1)
        for (i, layer) in layers.enumerated() { register("layer\(i + 1)", layer) }
        register("attention", attention)
        initialiseLikeTorchvision()
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        var y = attention(conv1.forward(x, normalisedBy: bn1, then: .relu), after: "stem").maxPool2d(kernel: 3, stride: 2, padding: 1)
        for (i, layer) in layers.enumerated() { y = attention(layer(y), after: "layer\(i + 1)") }
        return y
    }

    public func insert(_ module: AttentionModule, at stage: String) throws {
        try attention.insert(module, at: stage, of: self)
    }

    /// torchvision's init: kaiming-normal (fan-out, relu) convs, BN weight 1, bias 0.
    private func initialiseLikeTorchvision() {
        for (_, module) in namedModules() {
            if let conv = module as? Conv2d { Init.kaimingNormal(conv.weight, mode: .fanOut, nonlinearity: .relu) }
        }
    }
}

/// Two 3x3 convs with a residual connection (ResNet-18/34).
final class BasicBlock: Module {
    private let conv1: Conv2d, bn1: BatchNorm, conv2: Conv2d, bn2: BatchNorm
    private let downsample: Sequential?

    init(_ inChannels: Int, _ width: Int, stride: Int) {
        conv1 = Conv2d(inChannels, width, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn1 = BatchNorm(width)
        conv2 = Conv2d(width, width, kernelSize: 3, stride: 1, padding: 1, bias: false)
        bn2 = BatchNorm(width)
        downsample =
            stride != 1 || inChannels != width
            ? Sequential([Conv2d(inChannels, width, kernelSize: 1, stride: stride, bias: false), BatchNorm(width)])
            : nil
        super.init()
        register("conv1", conv1); register("bn1", bn1)
        register("conv2", conv2); register("bn2", bn2)
        if let downsample { register("downsample", downsample) }
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        let y = conv1.forward(x, normalisedBy: bn1, then: .relu)
        return conv2.forward(y, normalisedBy: bn2, adding: shortcut(x, downsample), then: .relu)
    }
}

/// 1x1 reduce, 3x3 (carrying the stride), 1x1 expand by 4, residual (ResNet-50).
final class Bottleneck: Module {
    private let conv1: Conv2d, bn1: BatchNorm, conv2: Conv2d, bn2: BatchNorm, conv3: Conv2d, bn3: BatchNorm
    private let downsample: Sequential?

    init(_ inChannels: Int, _ width: Int, stride: Int) {
        let out = width * 4
        conv1 = Conv2d(inChannels, width, kernelSize: 1, bias: false)
        bn1 = BatchNorm(width)
        conv2 = Conv2d(width, width, kernelSize: 3, stride: stride, padding: 1, bias: false)
        bn2 = BatchNorm(width)
        conv3 = Conv2d(width, out, kernelSize: 1, bias: false)
        bn3 = BatchNorm(out)
        downsample =
            stride != 1 || inChannels != out
            ? Sequential([Conv2d(inChannels, out, kernelSize: 1, stride: stride, bias: false), BatchNorm(out)])
            : nil
        super.init()
        register("conv1", conv1); register("bn1", bn1)
        register("conv2", conv2); register("bn2", bn2)
        register("conv3", conv3); register("bn3", bn3)
        if let downsample { register("downsample", downsample) }
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        let y = conv2.forward(conv1.forward(x, normalisedBy: bn1, then: .relu), normalisedBy: bn2, then: .relu)
        return conv3.forward(y, normalisedBy: bn3, adding: shortcut(x, downsample), then: .relu)
    }
}

/// A residual block's shortcut: x, or its downsampling (a 1x1 conv and a batch norm, fused at inference).
private func shortcut(_ x: Tensor, _ downsample: Sequential?) -> Tensor {
    guard let downsample else { return x }
    guard let conv = downsample[0] as? Conv2d, let norm = downsample[1] as? BatchNorm else { return downsample(x) }
    return conv.forward(x, normalisedBy: norm)
}
