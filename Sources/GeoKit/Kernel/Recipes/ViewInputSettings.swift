import GeoKitCore
import GeoKitData
import GeoKitSynth

extension ViewInput {
    /// The input sizes and aerial transform a recipe's dataset names, with
    /// ImageNet statistics (a model's `viewInput(_:)` sets its
    /// backbones' own).
    public init(dataset d: Dataset) {
        self.init(
            groundSize: (d.groundHeight, d.groundWidth), aerialTileSize: d.aerialSize,
            aerialSize: (d.aerialHeight, d.aerialWidth), polar: d.polar)
    }
}
