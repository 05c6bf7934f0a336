import GeoKitCore
import GeoKitData

/// `aggregator:flatten`: keeps the spatial layout, (N, C, H, W) -> (N, C*H*W)
/// (index c*H*W + h*W + w). For polar-aligned inputs, where position along
/// the width is orientation and must survive into the descriptor. With
/// `normalize` each descriptor is L2-normalised, as the margin losses (WSMR,
/// MHNW) expect: they use their inputs as given, and alpha 10 is tuned for
/// distances between unit vectors (AENet's descriptor).
public final class FlattenAggregator: Module, AggregatorModule {
    public let normalize: Bool

    public init(normalize: Bool = false) {
        self.normalize = normalize
        super.init()
    }

    public func descriptorSize(channels: Int, height: Int, width: Int) -> Int { channels * height * width }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "GeoKit: aggregator flatten expects a feature map (N, C, H, W), got \(x.shape)")
        let flat = x.flattened(from: 1)
        return normalize ? flat.l2Normalized() : flat
    }
}
