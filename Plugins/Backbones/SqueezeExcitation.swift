import GeoKit

/// timm's `SqueezeExcite` of EfficientNet blocks: the global mean of each
/// channel through a 1x1 reduction, the block's activation, a 1x1 expansion
/// and a sigmoid gate that scales the input's channels. Keys
/// `conv_reduce.{weight,bias}` and `conv_expand.{weight,bias}`.
final class SqueezeExcitation: Module {
    private let convReduce: Conv2d, convExpand: Conv2d
    private let style: EfficientNetStyle

    /// - Parameter reduced: the bottleneck width (timm: the block's input channels x 0.25).
    init(_ channels: Int, reduced: Int, style: EfficientNetStyle) {
        convReduce = Conv2d(channels, reduced, kernelSize: 1)
        convExpand = Conv2d(reduced, channels, kernelSize: 1)
        self.style = style
        super.init()
        register("conv_reduce", convReduce)
        register("conv_expand", convExpand)
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        let squeezed = x.mean(axes: [2, 3], keepDims: true)
        return x * convExpand(style.activate(convReduce(squeezed))).sigmoid()
    }
}
