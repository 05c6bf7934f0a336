internal import CGeoKitABI
import GeoKitComponents
import GeoKitCore

extension geokit_tensor {
    /// A view of `tensor` for one C call: the kernel keeps the tensor alive
    /// (and owns its memory) for the duration of the call.
    init(viewing tensor: Tensor) {
        require(
            tensor.rank <= Int(GEOKIT_MAX_RANK),
            "GeoKit: a tensor passed to a C plugin has rank \(tensor.rank) (shape \(tensor.shape)), the C ABI allows at most \(GEOKIT_MAX_RANK)")
        self.init()
        data = tensor.dtype == .float32 ? UnsafeMutableRawPointer(tensor.pointer(Float.self)) : UnsafeMutableRawPointer(tensor.pointer(Double.self))
        dtype = tensor.dtype == .float32 ? Int32(GEOKIT_FLOAT32) : Int32(GEOKIT_FLOAT64)
        rank = Int32(tensor.rank)
        withUnsafeMutableBytes(of: &shape) { raw in
            let dims = raw.bindMemory(to: Int64.self)
            for (i, d) in tensor.shape.enumerated() { dims[i] = Int64(d) }
        }
    }
}

/// Views of tensors handed to a C call: one struct per tensor, addressable
/// as a C array (`const geokit_tensor *parameters`) while `body` runs.
func withTensorViews<R>(_ tensors: [Tensor], _ body: (UnsafeMutablePointer<geokit_tensor>) -> R) -> R {
    var views = tensors.map(geokit_tensor.init(viewing:))
    if views.isEmpty { views.append(geokit_tensor()) }
    return withExtendedLifetime(tensors) {
        views.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}

/// One tensor's view, addressable as `geokit_tensor *` while `body` runs.
func withTensorView<R>(_ tensor: Tensor, _ body: (UnsafeMutablePointer<geokit_tensor>) -> R) -> R {
    withTensorViews([tensor], body)
}
