import GeoKitCore
import GeoKitData

/// `aggregator:avg`: global average pooling, (N, C, H, W) -> (N, C).
///
/// ```swift
/// let avg = try Registry.shared.make(.aggregator, "avg")
/// let descriptors = avg(features)   // (N, C)
/// ```
public final class AverageAggregator: Module, AggregatorModule {
    public override init() { super.init() }

    public func descriptorSize(channels: Int, height: Int, width: Int) -> Int { channels }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "GeoKit: aggregator avg expects a feature map (N, C, H, W), got \(x.shape)")
        return x.mean(axes: [2, 3])
    }
}
