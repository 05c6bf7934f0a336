internal import CGeoKitABI
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes

/// An attention module written in C (`geokit_attention_vtable`): the output
/// has the input's shape; its backward is the plugin's, recorded on the
/// host's tape like any op's.
public final class CAttention: CComponentModule, AttentionModule {
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        requireDeclaredChannels(x)
        let vtable = component.vtable(geokit_attention_vtable.self)
        return mapThroughC(
            x, outputShape: x.shape,
            forward: { c, v in vtable.forward!(c, v + 2, v, v + 1) },
            backward: { c, v, n in vtable.backward!(c, v + 4, v, v + 1, v + 2, v + 3, v + 4 + n) })
    }
}
