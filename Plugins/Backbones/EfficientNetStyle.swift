import GeoKit

/// What differs between the TensorFlow-ported EfficientNets (timm's `tf_*`:
/// "same" padding, BatchNorm eps 1e-3) and the PyTorch-native ones
/// (symmetric padding, eps 1e-5), and each family's activation. Every
/// convolution and BatchNorm of an EfficientNet comes from here, so a
/// network is one style throughout, as timm builds it.
struct EfficientNetStyle {
    enum Activation { case silu, relu6 }

    let samePadding: Bool
    let eps: Double
    let activation: Activation

    /// timm's tf_efficientnetv2_*: same padding, eps 1e-3, SiLU.
    static let tensorFlowV2 = EfficientNetStyle(samePadding: true, eps: 1e-3, activation: .silu)
    /// timm's efficientnetv2_*: symmetric padding, eps 1e-5, SiLU.
    static let pytorchV2 = EfficientNetStyle(samePadding: false, eps: 1e-5, activation: .silu)
    /// timm's tf_efficientnet_lite*: same padding, eps 1e-3, ReLU6.
    static let tensorFlowLite = EfficientNetStyle(samePadding: true, eps: 1e-3, activation: .relu6)

    /// A bias-free k x k convolution: `Conv2dSame`, or a Conv2d padded by (k - 1) / 2 (timm's symmetric padding).
    func conv(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, groups: Int = 1) -> Module {
        samePadding
            ? Conv2dSame(inChannels, outChannels, kernelSize: kernel, stride: stride, groups: groups)
            : Conv2d(
                inChannels, outChannels, kernelSize: kernel, stride: stride, padding: (kernel - 1) / 2,
                groups: groups, bias: false)
    }

    func norm(_ channels: Int) -> BatchNorm { BatchNorm(channels, eps: eps) }

    /// activate(norm(conv(x)) + residual) (no activation when `activated` is false), as one oneDNN
    /// primitive at inference where the convolution is one of `conv`'s and the activation SiLU.
    func convolve(
        _ conv: Module, _ x: Tensor, _ norm: BatchNorm, activated: Bool = true, adding residual: Tensor? = nil
    ) -> Tensor {
        let fused: ConvolutionFusion.Activation = activated && activation == .silu ? .silu : .none
        let y: Tensor
        if let conv = conv as? Conv2d {
            y = conv.forward(x, normalisedBy: norm, adding: residual, then: fused)
        } else if let conv = conv as? Conv2dSame {
            y = conv.forward(x, normalisedBy: norm, adding: residual, then: fused)
        } else {
            let normalised = norm(conv(x))
            y = fused.apply(residual.map { normalised + $0 } ?? normalised)
        }
        return activated && activation != .silu ? activate(y) : y
    }

    func activate(_ x: Tensor) -> Tensor {
        switch activation {
        case .silu: x.silu()
        case .relu6: x.clamp(min: 0, max: 6)
        }
    }

    /// timm's `_init_weight_goog` (TensorFlow's): every convolution weight normal(0, sqrt(2 / fan out)) with
    /// fan out = k * k * out / groups, biases 0; BatchNorm keeps weight 1, bias 0.
    static func initialise(_ network: Module) {
        for (_, module) in network.namedModules() {
            let (weight, bias, groups): (Tensor, Tensor?, Int)
            if let conv = module as? Conv2d {
                (weight, bias, groups) = (conv.weight, conv.bias, conv.groups)
            } else if let conv = module as? Conv2dSame {
                (weight, bias, groups) = (conv.weight, conv.bias, conv.groups)
            } else {
                continue
            }
            let fanOut = weight.shape[0] * weight.shape[2] * weight.shape[3] / groups
            Init.normal(weight, std: (2 / Double(fanOut)).squareRoot())
            if let bias { bias.fill(0) }
        }
    }
}
