import GeoKitCore
import GeoKitData

/// `aggregator:max`: global max pooling, (N, C, H, W) -> (N, C); the
/// gradient goes to the first maximal position of each plane.
public final class MaxAggregator: Module, AggregatorModule {
    public override init() { super.init() }

    public func descriptorSize(channels: Int, height: Int, width: Int) -> Int { channels }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "GeoKit: aggregator max expects a feature map (N, C, H, W), got \(x.shape)")
        return x.adaptiveMaxPool2d((1, 1)).flattened(from: 1)
    }
}
