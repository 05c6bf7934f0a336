/// A convolution, the batch norm after it, a residual sum and an activation
/// as one oneDNN primitive at inference: the batch norm folded into the
/// weights and bias, the sum and the activation applied as the output is
/// written. The result is that of the separate calls; with gradients
/// recorded, in float64, or with oneDNN off, it is the separate calls. A
/// convolution module owns one and calls it from its `forward`
/// (`Conv2d.forward(_:normalisedBy:adding:then:)`), which keeps the folded
/// parameters until any of them changes.
public final class ConvolutionFusion {
    /// The activation applied last.
    public enum Activation: Sendable {
        case none, relu, silu, gelu

        public func apply(_ x: Tensor) -> Tensor {
            switch self {
            case .none: x
            case .relu: x.relu()
            case .silu: x.silu()
            case .gelu: x.gelu()
            }
        }

        /// oneDNN's post-op, where it keeps torch's NaN semantics: its ReLU turns NaN into 0, so ReLU
        /// runs after the primitive (on the channels-last output, one more pass).
        var postOp: OneDNN.PostOp? {
            switch self {
            case .none: OneDNN.PostOp.none
            case .relu: nil
            case .silu: .silu
            case .gelu: .gelu
            }
        }
    }

    private var folded: (key: [Int], weight: Tensor, bias: Tensor)?

    public init() {}

    /// `activation(norm(conv(x)) + residual)`, where `unfused` is the module's own convolution of x.
    public func forward(
        _ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int,
        normalisedBy norm: BatchNorm?, adding residual: Tensor?, then activation: Activation, unfused: (Tensor) -> Tensor
    ) -> Tensor {
        if let y = fused(
            x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups, norm: norm,
            residual: residual, activation: activation)
        {
            return y
        }
        var y = unfused(x)
        if let norm { y = norm(y) }
        if let residual { y = y + residual }
        return activation.apply(y)
    }

    private func fused(
        _ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int,
        norm: BatchNorm?, residual: Tensor?, activation: Activation
    ) -> Tensor? {
        let parameters = [weight, bias, norm?.weight, norm?.bias, norm?.runningMean, norm?.runningVar].compactMap { $0 }
        let outChannels = weight.shape[0]
        guard OneDNN.isEnabled, x.dtype == .float32, x.rank == 4, weight.rank == 4, x.shape[1] == weight.shape[1] * groups,
            norm?.isTraining != true, norm.map({ $0.features == outChannels }) ?? true,
            parameters.allSatisfy({ $0.dtype == .float32 }),
            !GradMode.isEnabled || !(parameters + [x] + (residual.map { [$0] } ?? [])).contains(where: \.requiresGrad)
        else { return nil }
        let (w, b) = norm.map { foldedParameters(weight, bias, $0, parameters) } ?? (weight, bias)
        let geometry = x.conv2dGeometry(weight: w, bias: b, stride: stride, padding: padding, dilation: dilation, groups: groups)
        if let residual {
            guard residual.shape == [geometry.batch, outChannels, geometry.outHeight, geometry.outWidth], residual.dtype == .float32
            else { return nil }
        }
        guard
            let out = OneDNN.convolution(
                x, weight: w, bias: b, geometry, residual: residual, post: activation.postOp ?? .none, training: false)
        else { return nil }
        FlopCounter.add(2 * geometry.batch * geometry.outChannels * geometry.outPlane * geometry.groupColumnRows)
        return activation.postOp == nil ? activation.apply(out) : out
    }

    /// W * gamma / sqrt(var + eps) and (b - mean) * gamma / sqrt(var + eps) + beta, kept while no input changes.
    private func foldedParameters(_ weight: Tensor, _ bias: Tensor?, _ norm: BatchNorm, _ parameters: [Tensor]) -> (Tensor, Tensor) {
        let key = parameters.flatMap { [ObjectIdentifier($0.storage).hashValue, $0.storage.version] }
        if let folded, folded.key == key { return (folded.weight, folded.bias) }
        let outChannels = weight.shape[0]
        let gamma = norm.weight.scalars(as: Double.self), beta = norm.bias.scalars(as: Double.self)
        let mean = norm.runningMean.scalars(as: Double.self), variance = norm.runningVar.scalars(as: Double.self)
        let scale = (0..<outChannels).map { gamma[$0] / (variance[$0] + norm.eps).squareRoot() }
        let original = bias?.scalars(as: Double.self) ?? [Double](repeating: 0, count: outChannels)
        let perFilter = weight.count / outChannels
        let w = weight.scalars(as: Double.self)
        let foldedWeight = Tensor((0..<weight.count).map { Float(w[$0] * scale[$0 / perFilter]) }, shape: weight.shape)
        let foldedBias = Tensor(
            (0..<outChannels).map { Float((original[$0] - mean[$0]) * scale[$0] + beta[$0]) }, shape: [outChannels])
        folded = (key, foldedWeight, foldedBias)
        return (foldedWeight, foldedBias)
    }
}
