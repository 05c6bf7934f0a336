import Foundation
import GeoKitCore
import GeoKitData

/// `geokit forward`: one component, in eval mode, on arrays from files, so
/// any part can be compared with a PyTorch reference forward and backward
/// (docs/cli.md, "geokit forward"). In `float64` the component, its
/// weights, inputs and gradients are all double precision, so a whole network
/// can be compared with PyTorch's float64 to ~1e-12: in float32 the gradients
/// of a ReLU network differ by percents between any two implementations, as
/// rounding moves some ReLU inputs across the kink (docs/testing.md).
public struct ForwardContract {
    public var component: String  // KIND:NAME
    public var settings: [String] = []  // name=value
    public var weights: URL?
    public var seed: UInt64 = 0
    /// The precision the component computes in; inputs of the other dtype are converted.
    public var dtype: DType = .float32
    /// Passed to `Module.loadStateDict`: false skips missing and unexpected keys; the
    /// prefixes rename the file's keys (a `module.` of DataParallel, a wrapper's `backbone.`).
    public var strict = true
    public var stripPrefix: String?
    public var addPrefix: String?
    public var input: URL
    public var input2: URL?
    public var output: URL
    public var gradOutput: URL?
    public var gradInput: URL?
    public var gradInput2: URL?
    public var gradWeights: URL?

    public init(component: String, input: URL, output: URL) {
        self.component = component
        self.input = input
        self.output = output
    }

    public func run(registry: Registry = .shared) throws {
        let parts = component.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = ComponentKind(rawValue: parts[0]),
            [.backbone, .attention, .aggregator, .loss].contains(kind)
        else {
            throw GeoKitError(
                "--component must be KIND:NAME with KIND one of backbone, attention, aggregator, loss; got '\(component)'",
                remedy: "e.g. --component backbone:resnet18 (geokit plugins lists the names)")
        }
        GlobalRandom.seed(seed)
        // The four kinds above are all modules.
        let module = try registry.make(named: component, settings: settings) as! Module
        // Converted before loading, so float64 weights arrive unrounded (float32 ones are widened by the load).
        module.convert(to: dtype)
        if let weights {
            try module.loadStateDict(WeightsFile.read(weights), strict: strict, stripPrefix: stripPrefix, addPrefix: addPrefix)
        }
        module.eval()
        let wantsInputGrad = gradInput != nil || gradInput2 != nil
        let x = try NPY.read(input).to(dtype)
        if wantsInputGrad { x.requiringGrad() }
        let x2 = try input2.map { try NPY.read($0).to(dtype) }
        if gradInput2 != nil { x2?.requiringGrad() }

        let y: Tensor
        switch kind {
        case .loss:
            if let loss = module as? LossFunction, loss.needs.logits {
                throw GeoKitError(
                    "\(component) reads a head's logits and location ids, not two descriptor batches", where: component,
                    remedy: "check it inside a model (a recipe with Head(\"classblock\")), e.g. with geokit run --dry")
            }
            guard let x2, let loss = module as? LossFunction else {
                throw GeoKitError(
                    "a loss needs --input2 (the reference descriptors)", where: component,
                    remedy: "pass --input QUERY.npy --input2 REFERENCE.npy, both (N, D)")
            }
            try requireShape(x, rank: 2, "--input (query descriptors)")
            try requireShape(x2, rank: 2, "--input2 (reference descriptors)")
            guard x.shape == x2.shape else {
                throw GeoKitError("--input \(x.shape) and --input2 \(x2.shape) differ", where: component, remedy: "pass two (N, D) arrays of the same shape")
            }
            try checkInput(module, x.shape)
            y = loss.loss(query: x, reference: x2).reshaped([1])
        default:
            try requireShape(x, rank: 4, "--input")
            if module is BackboneNetwork, x.shape[1] != 3 {
                throw GeoKitError("\(component) takes (N, 3, H, W) images, --input has \(x.shape)", where: input.path)
            }
            try checkInput(module, x.shape)
            y = module(x)
        }
        try ComponentFailure.check()
        try NPY.write(y.detached(), to: output)

        let wantsBackward = wantsInputGrad || gradWeights != nil
        guard wantsBackward else { return }
        if let gradOutput {
            let g = try NPY.read(gradOutput)
            guard g.count == y.count else {
                throw GeoKitError("--grad-output has shape \(g.shape), the output has \(y.shape)", where: gradOutput.path)
            }
            y.backward(g.to(dtype).reshaped(y.shape))
        } else {
            guard kind == .loss else {
                throw GeoKitError("gradients of a \(kind.rawValue) need --grad-output G.npy of the output's shape \(y.shape)", where: component)
            }
            y.backward()
        }
        try ComponentFailure.check()
        if let gradInput { try NPY.write(x.grad ?? x.fullLike(0), to: gradInput) }
        if let gradInput2, let x2 { try NPY.write(x2.grad ?? x2.fullLike(0), to: gradInput2) }
        if let gradWeights {
            let entries = module.namedParameters().map { NamedTensor($0.name, $0.tensor.grad ?? $0.tensor.fullLike(0)) }
            try SafeTensors.write(entries, to: gradWeights)
        }
    }

    private func requireShape(_ t: Tensor, rank: Int, _ what: String) throws {
        guard t.rank == rank else {
            throw GeoKitError("\(what) must have \(rank) dimensions, got shape \(t.shape)", where: component)
        }
    }

    /// A component that declares the input shapes it accepts refuses --input's otherwise.
    private func checkInput(_ module: Module, _ shape: [Int]) throws {
        do { try (module as? InputShapeChecking)?.checkInput(shape: shape) } catch let error as GeoKitError {
            throw GeoKitError(error.what, where: input.path, remedy: error.remedy)
        }
    }
}
