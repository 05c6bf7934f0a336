/// The source `geokit run` compiles next to a recipe file: it gives the
/// recipe the DSL spellings whose plain names are the kernel's component
/// protocols (`Backbone`, `Aggregator`, `Loss`, `Sampler`) and exports the
/// recipe object through a C entry point the runner finds with dlsym.
/// Inside a recipe the protocols remain reachable as `GeoKit.Loss` etc.
public enum RecipePrelude {
    /// The symbol returning the recipe object (retained, as an opaque pointer).
    public static let entrySymbol = "geokit_recipe_entry"

    public static let source = """
        import GeoKit

        typealias Backbone = GeoKit.BackboneSpec
        typealias Aggregator = GeoKit.AggregatorSpec
        typealias Loss = GeoKit.LossSpec
        typealias Sampler = GeoKit.SamplerSpec

        @_cdecl("\(entrySymbol)")
        public func geokitRecipeEntry() -> UnsafeMutableRawPointer {
            Unmanaged.passRetained(recipe).toOpaque()
        }

        """
}
