internal import CGeoKitABI
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes

/// An aggregator written in C (`geokit_aggregator_vtable`): a feature map
/// (N, C, H, W) becomes descriptors (N, D), D as the plugin's
/// descriptor_size says (checked to be positive).
public final class CAggregator: CComponentModule, AggregatorModule {
    public func descriptorSize(channels: Int, height: Int, width: Int) -> Int {
        reportedDescriptorSize(channels: channels, height: height, width: width) ?? 1
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "GeoKit: \(qualifiedName): an aggregator takes a feature map (N, C, H, W), got shape \(x.shape)")
        requireDeclaredChannels(x)
        let vtable = component.vtable(geokit_aggregator_vtable.self)
        // Without a size the plugin's forward would write where no tensor is: NaN instead, the failure recorded.
        guard let size = reportedDescriptorSize(channels: x.shape[1], height: x.shape[2], width: x.shape[3]) else {
            return Tensor.full(.nan, shape: [x.shape[0], 1], dtype: x.dtype)
        }
        return mapThroughC(
            x, outputShape: [x.shape[0], size],
            forward: { c, v in vtable.forward!(c, v + 2, v, v + 1) },
            backward: { c, v, n in vtable.backward!(c, v + 4, v, v + 1, v + 2, v + 3, v + 4 + n) })
    }

    /// The plugin's descriptor_size, or nil (the failure recorded in
    /// `ComponentFailure`) when it fails or answers a size below 1.
    private func reportedDescriptorSize(channels: Int, height: Int, width: Int) -> Int? {
        let vtable = component.vtable(geokit_aggregator_vtable.self)
        var size: Int64 = 0
        CCallError.clear()
        let status = vtable.descriptor_size!(component.pointer, Int64(channels), Int64(height), Int64(width), &size)
        guard component.succeeded(status, "descriptor_size") else { return nil }
        guard size > 0 else {
            ComponentFailure.record(
                GeoKitError(
                    "\(qualifiedName) descriptor_size returned \(size) for (C, H, W) = (\(channels), \(height), \(width)); it must be positive",
                    where: source, remedy: "fix the plugin's descriptor_size"))
            return nil
        }
        return Int(size)
    }
}
