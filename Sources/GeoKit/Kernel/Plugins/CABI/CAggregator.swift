internal import CGeoKitABI

/// An aggregator written in C (`geokit_aggregator_vtable`): a feature map
/// (N, C, H, W) becomes descriptors (N, D), D as the plugin's
/// descriptor_size says (checked to be positive).
public final class CAggregator: CComponentModule, Aggregator {
    public func descriptorSize(channels: Int, height: Int, width: Int) -> Int {
        let vtable = component.vtable(geokit_aggregator_vtable.self)
        var size: Int64 = 0
        CCallError.clear()
        let status = vtable.descriptor_size!(component.pointer, Int64(channels), Int64(height), Int64(width), &size)
        component.check(status, "descriptor_size")
        require(size > 0, "GeoKit: \(qualifiedName) (\(source)): descriptor_size returned \(size) for (C, H, W) = (\(channels), \(height), \(width)); it must be positive")
        return Int(size)
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "GeoKit: \(qualifiedName): an aggregator takes a feature map (N, C, H, W), got shape \(x.shape)")
        let vtable = component.vtable(geokit_aggregator_vtable.self)
        requireDeclaredChannels(x)
        let parameters = weights(as: x.dtype)
        let y = Tensor(zeros: [x.shape[0], descriptorSize(channels: x.shape[1], height: x.shape[2], width: x.shape[3])], dtype: x.dtype)
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
