import GeoKitCore
import GeoKitData

/// `aggregator:flatten`: keeps the spatial layout, (N, C, H, W) -> (N, C*H*W)
/// (index c*H*W + h*W + w). For polar-aligned inputs, where position along
/// the width is orientation and must survive into the descriptor.
public final class FlattenAggregator: Module, AggregatorModule {
    public override init() { super.init() }

    public func descriptorSize(channels: Int, height: Int, width: Int) -> Int { channels * height * width }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "GeoKit: aggregator flatten expects a feature map (N, C, H, W), got \(x.shape)")
        return x.flattened(from: 1)
    }
}
