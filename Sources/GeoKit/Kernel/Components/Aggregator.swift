import GeoKitCore
import GeoKitData

/// Feature map (N, C, H, W) -> descriptor (N, D).
public protocol AggregatorModule: Module {
    /// D for an input of the given shape.
    func descriptorSize(channels: Int, height: Int, width: Int) -> Int
}
