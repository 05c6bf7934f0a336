import GeoKit

// The three blocks of timm's EfficientNetV2, with timm's child names so its
// state dicts load unchanged. Each has a residual connection when it keeps
// stride 1 and its width; the residual branch goes through stochastic depth
// (timm's `drop_path`, no keys) at the rate the network's schedule gives it.

/// timm's `ConvBnAct` ("cn" blocks): conv, bn1 + activation. Keys `conv.weight`, `bn1.*`.
final class ConvBnActBlock: Module {
    private let conv: Module, bn1: BatchNorm, dropPath: DropPath
    private let style: EfficientNetStyle, hasSkip: Bool

    init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int, style: EfficientNetStyle, dropPath rate: Double) {
        conv = style.conv(inChannels, outChannels, kernel: kernel, stride: stride)
        bn1 = style.norm(outChannels)
        dropPath = DropPath(rate)
        self.style = style
        hasSkip = stride == 1 && inChannels == outChannels
        super.init()
        register("conv", conv)
        register("bn1", bn1)
        register("drop_path", dropPath)
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        let y = style.convolve(conv, x, bn1)
        return hasSkip ? dropPath(y) + x : y
    }
}

/// timm's `EdgeResidual` (FusedMBConv, "er" blocks): a k x k expansion conv carrying the stride, bn1 +
/// activation, a 1x1 projection, bn2. Keys `conv_exp`, `bn1`, `conv_pwl`, `bn2`.
final class EdgeResidualBlock: Module {
    private let convExp: Module, bn1: BatchNorm, convPwl: Conv2d, bn2: BatchNorm, dropPath: DropPath
    private let style: EfficientNetStyle, hasSkip: Bool

    init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int, expansion: Int, style: EfficientNetStyle,
        dropPath rate: Double
    ) {
        let mid = inChannels * expansion
        convExp = style.conv(inChannels, mid, kernel: kernel, stride: stride)
        bn1 = style.norm(mid)
        convPwl = Conv2d(mid, outChannels, kernelSize: 1, bias: false)
        bn2 = style.norm(outChannels)
        dropPath = DropPath(rate)
        self.style = style
        hasSkip = stride == 1 && inChannels == outChannels
        super.init()
        register("conv_exp", convExp)
        register("bn1", bn1)
        register("conv_pwl", convPwl)
        register("bn2", bn2)
        register("drop_path", dropPath)
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        let y = style.convolve(
            convPwl, style.convolve(convExp, x, bn1), bn2, activated: false, adding: hasSkip && !isTraining ? x : nil)
        return hasSkip && isTraining ? dropPath(y) + x : y
    }
}

/// timm's `InvertedResidual` (MBConv, "ir" blocks): 1x1 expansion, bn1 + activation, a k x k depthwise conv
/// carrying the stride, bn2 + activation, squeeze-excitation, 1x1 projection, bn3. Keys `conv_pw`, `bn1`,
/// `conv_dw`, `bn2`, `se.*`, `conv_pwl`, `bn3`.
final class InvertedResidualBlock: Module {
    private let convPw: Conv2d, bn1: BatchNorm, convDw: Module, bn2: BatchNorm
    private let se: SqueezeExcitation, convPwl: Conv2d, bn3: BatchNorm, dropPath: DropPath
    private let style: EfficientNetStyle, hasSkip: Bool

    init(
        _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int, expansion: Int, style: EfficientNetStyle,
        dropPath rate: Double
    ) {
        let mid = inChannels * expansion
        convPw = Conv2d(inChannels, mid, kernelSize: 1, bias: false)
        bn1 = style.norm(mid)
        convDw = style.conv(mid, mid, kernel: kernel, stride: stride, groups: mid)
        bn2 = style.norm(mid)
        // timm's se_ratio 0.25 is of the block's input width, not the expanded one.
        se = SqueezeExcitation(mid, reduced: inChannels / 4, style: style)
        convPwl = Conv2d(mid, outChannels, kernelSize: 1, bias: false)
        bn3 = style.norm(outChannels)
        dropPath = DropPath(rate)
        self.style = style
        hasSkip = stride == 1 && inChannels == outChannels
        super.init()
        register("conv_pw", convPw)
        register("bn1", bn1)
        register("conv_dw", convDw)
        register("bn2", bn2)
        register("se", se)
        register("conv_pwl", convPwl)
        register("bn3", bn3)
        register("drop_path", dropPath)
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        let expanded = style.convolve(convDw, style.convolve(convPw, x, bn1), bn2)
        let y = style.convolve(convPwl, se(expanded), bn3, activated: false, adding: hasSkip && !isTraining ? x : nil)
        return hasSkip && isTraining ? dropPath(y) + x : y
    }
}
