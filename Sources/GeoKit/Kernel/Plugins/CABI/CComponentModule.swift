internal import CGeoKitABI
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes

/// The kernel side of a C component: a Module that owns the component's
/// declared weights (allocated and initialised by the kernel, listed in
/// `stateDict()` under their declared names, updated by optimisers) and
/// runs the C forward and backward inside the host's autograd. Subclasses
/// adapt it to their kind's protocol.
public class CComponentModule: Module, InputShapeChecking {
    let component: CComponent
    /// The declared weights in declaration order, and where each is registered.
    private(set) var weights: [Tensor] = []
    private var owners: [(module: Module, name: String)] = []

    /// `kind:name` of the component, as registered.
    public var qualifiedName: String { component.qualifiedName }
    /// The plugin file the component comes from.
    public var source: String { component.source }
    /// The channel count the component declared (`input_channels`), if any.
    public var inputChannels: Int? { component.pointer.pointee.input_channels > 0 ? Int(component.pointer.pointee.input_channels) : nil }

    init(_ component: CComponent) {
        self.component = component
        super.init()
        for declaration in component.declarations {
            let path = declaration.name.split(separator: ".").map(String.init)
            var owner: Module = self
            for part in path.dropLast() {
                let child = owner.namedModules().first { $0.name == part }?.module ?? owner.register(part, Module())
                owner = child
            }
            let tensor = owner.registerParameter(path.last!, declaration.makeTensor())
            weights.append(tensor)
            owners.append((owner, path.last!))
        }
    }

    /// Replaces every declared weight by a copy in `dtype`. Models train in
    /// float32; a float64 copy lets a finite-difference gradient check run
    /// through the plugin's float64 path, weights included. Call it before
    /// handing the parameters to an optimiser.
    public func convertParameters(to dtype: DType) {
        weights = zip(weights, owners).map { weight, owner in
            owner.module.registerParameter(owner.name, noGrad { weight.to(dtype).copy() })
        }
    }

    /// The weights as the call's inputs: in the input's dtype (a recorded
    /// conversion, so gradients reach float32 weights from a float64 call).
    func weights(as dtype: DType) -> [Tensor] { weights.map { $0.to(dtype) } }

    /// Runs a C forward or backward with views of `tensors`. When the plugin
    /// reports a failure, its message is recorded (`ComponentFailure`) and
    /// `outputs` are filled with NaN, so nothing downstream mistakes them
    /// for a result before the caller checks.
    func callC(
        _ name: String, _ tensors: [Tensor], outputs: [Tensor],
        _ body: (UnsafeMutablePointer<geokit_component>, UnsafeMutablePointer<geokit_tensor>) -> Int32
    ) {
        CCallError.clear()
        let status = withTensorViews(tensors) { views in body(component.pointer, views) }
        if !component.succeeded(status, name) {
            for output in outputs { output.fill(.nan) }
        }
    }

    /// A feature map in, one tensor of `outputShape` out, both through C:
    /// runs the plugin's forward (views: x, y, then the weights) and records
    /// its backward (views: x, y, gy, gx, the weights, their gradients) on
    /// the host's tape, so the kernel differentiates and optimises it.
    func mapThroughC(
        _ x: Tensor, outputShape: [Int],
        forward: @escaping (UnsafeMutablePointer<geokit_component>, UnsafeMutablePointer<geokit_tensor>) -> Int32,
        backward: @escaping (UnsafeMutablePointer<geokit_component>, UnsafeMutablePointer<geokit_tensor>, Int) -> Int32
    ) -> Tensor {
        let parameters = weights(as: x.dtype)
        let y = Tensor(zeros: outputShape, dtype: x.dtype)
        callC("forward", [x, y] + parameters, outputs: [y], forward)
        return y.recorded(qualifiedName, inputs: [x] + parameters) { [unowned y] gy in
            let gx = Tensor(zeros: x.shape, dtype: x.dtype)
            let gradients = parameters.map { Tensor(zeros: $0.shape, dtype: $0.dtype) }
            self.callC("backward", [x, y, gy.to(x.dtype), gx] + parameters + gradients, outputs: [gx] + gradients) { c, v in
                backward(c, v, parameters.count)
            }
            return [gx] + gradients
        }
    }

    /// A feature map must have the channel count the component declared.
    public func checkInput(shape: [Int]) throws {
        guard let channels = inputChannels else { return }
        guard shape.count >= 2, shape[1] == channels else {
            throw GeoKitError(
                "\(qualifiedName) was built for \(channels) channels, the input has shape \(shape)", where: source,
                remedy: "set the component's channel parameter to match the input")
        }
    }

    /// The same as a precondition, for inputs the kernel itself composed.
    func requireDeclaredChannels(_ x: Tensor) {
        guard let channels = inputChannels else { return }
        require(
            x.rank >= 2 && x.shape[1] == channels,
            "GeoKit: \(qualifiedName) (\(source)) was built for \(channels) channels, the input has shape \(x.shape)")
    }

    /// The shared precondition of every call: one dtype across the inputs.
    func requireSameDType(_ tensors: [Tensor], _ what: String) {
        let dtypes = Set(tensors.map(\.dtype))
        require(dtypes.count <= 1, "GeoKit: \(qualifiedName): \(what) mix dtypes \(tensors.map(\.dtype)); pass one dtype")
    }
}
