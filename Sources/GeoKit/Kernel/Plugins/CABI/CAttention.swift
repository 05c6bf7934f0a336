internal import CGeoKitABI

/// An attention module written in C (`geokit_attention_vtable`): the output
/// has the input's shape; its backward is the plugin's, recorded on the
/// host's tape like any op's.
public final class CAttention: CComponentModule, AttentionModule {
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        requireDeclaredChannels(x)
        let vtable = component.vtable(geokit_attention_vtable.self)
        let parameters = weights(as: x.dtype)
        let y = Tensor(zeros: x.shape, dtype: x.dtype)
        // Views: x, y, then the parameters.
        callC("forward", [x, y] + parameters) { c, v in vtable.forward!(c, v + 2, v, v + 1) }
        return y.recorded(qualifiedName, inputs: [x] + parameters) { [unowned y] gy in
            let gx = Tensor(zeros: x.shape, dtype: x.dtype)
            let gradients = parameters.map { Tensor(zeros: $0.shape, dtype: $0.dtype) }
            let n = parameters.count
            // Views: x, y, gy, gx, the parameters, their gradients.
            self.callC("backward", [x, y, gy.to(x.dtype), gx] + parameters + gradients) { c, v in
                vtable.backward!(c, v + 4, v, v + 1, v + 2, v + 3, v + 4 + n)
            }
            return [gx] + gradients
        }
    }
}
