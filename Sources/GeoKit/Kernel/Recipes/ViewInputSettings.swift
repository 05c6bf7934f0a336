import GeoKitCore
import GeoKitData

extension ViewInput {
    /// The input sizes and aerial transform of a recipe's `dataset.*` values,
    /// with ImageNet statistics (a model's `viewInput(settings:)` sets its
    /// backbones' own).
    public init(settings s: RecipeSettings) {
        self.init(groundSize: (s.int("dataset.groundHeight"), s.int("dataset.groundWidth")), aerialTileSize: s.int("dataset.aerialSize"),
                  aerialSize: (s.int("dataset.aerialHeight"), s.int("dataset.aerialWidth")), polar: s.bool("dataset.polar"))
    }
}
