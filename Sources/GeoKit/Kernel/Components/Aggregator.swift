import GeoKitCore
import GeoKitData

/// Feature map (N, C, H, W) -> descriptor (N, D).
public protocol AggregatorModule: Module {
    /// D for an input of the given shape.
    func descriptorSize(channels: Int, height: Int, width: Int) -> Int
}

/// An aggregator whose descriptor is made of parts (LPN): the model keeps
/// the parts, for a head per part and for losses that read them
/// (`ViewOutput.parts`). Its descriptor is `joined(parts(x))`.
public protocol PartAggregator: AggregatorModule {
    /// Feature map (N, C, H, W) -> the parts' pooled vectors in descriptor order, each (N, C_p), not normalised.
    func parts(_ x: Tensor) -> [Tensor]
    /// The size of each part for an input of the given shape.
    func partSizes(channels: Int, height: Int, width: Int) -> [Int]
}

extension PartAggregator {
    /// The descriptor of parts: each L2-normalised, concatenated part-major (index part * C_p + c).
    public static func joined(_ parts: [Tensor]) -> Tensor {
        Tensor.concat(parts.map { $0.l2Normalized(axis: 1) }, axis: 1)
    }
}
