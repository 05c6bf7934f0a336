import GeoKitComponents
import GeoKitCore

/// The source `geokit run` compiles next to a recipe file: it exports the
/// recipe object through a C entry point the runner finds with dlsym. A
/// recipe is plain Swift (`import GeoKit` and `let recipe = Recipe(...)`), so
/// it type-checks as it is in an editor or any package depending on GeoKit;
/// this entry point is all the runner adds.
public enum RecipePrelude {
    /// The symbol returning the recipe object (retained, as an opaque pointer).
    public static let entrySymbol = "geokit_recipe_entry"

    public static let source = """
        import GeoKit

        @_cdecl("\(entrySymbol)")
        public func geokitRecipeEntry() -> UnsafeMutableRawPointer {
            Unmanaged.passRetained(recipe).toOpaque()
        }

        """
}
