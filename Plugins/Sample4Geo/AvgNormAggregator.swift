import GeoKit

/// `aggregator:avgnorm`, Sample4Geo's descriptor on ConvNeXt: timm's pooled
/// embedding with `num_classes=0` (`forward_head`), global average pooling
/// followed by a LayerNorm over the channels (timm's `head.norm`, eps 1e-6),
/// (N, C, H, W) -> (N, C). Keys `norm.weight`, `norm.bias`.
///
/// ```swift
/// let pooled = try Registry.shared.make(.aggregator, "avgnorm", ["channels": .int(1024)])
/// let descriptors = pooled(convnextBaseFeatures)   // (N, 1024)
/// ```
public final class AvgNormAggregator: Module, AggregatorModule, InputShapeChecking {
    public let norm: LayerNorm

    public init(channels: Int) {
        norm = LayerNorm(channels, eps: 1e-6)
        super.init()
        register("norm", norm)
    }

    public func descriptorSize(channels: Int, height: Int, width: Int) -> Int { channels }

    public func checkInput(shape: [Int]) throws {
        guard shape.count == 4, shape[1] == norm.features else {
            throw GeoKitError(
                "aggregator:avgnorm is built for \(norm.features) channels, the backbone makes \(shape)", where: "aggregator:avgnorm",
                remedy: "set aggregator.channels to the backbone's channel count (convnext_base: 1024, convnext_tiny: 768)")
        }
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "GeoKit: aggregator avgnorm expects a feature map (N, C, H, W), got \(x.shape)")
        return norm(x.mean(axes: [2, 3]))
    }
}
