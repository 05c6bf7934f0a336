import GeoKit

/// CBAM's spatial attention gate (Woo et al., "CBAM: Convolutional Block
/// Attention Module", 2018): the channel-wise max and mean of the feature
/// map, stacked, go through one k x k convolution and a sigmoid, and the
/// result reweights every position:
///
///     y = x * sigmoid(conv([max_c x, mean_c x]))
///
/// Written with the kernel's public differentiable ops, so its backward
/// comes from the host's autograd.
public final class SpatialGate: Module, AttentionModule {
    public let conv: Conv2d

    public init(kernelSize: Int) {
        conv = Conv2d(2, 1, kernelSize: kernelSize, padding: kernelSize / 2, bias: false)
        super.init()
        register("conv", conv)
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        let pooled = Tensor.concat([x.max(axis: 1, keepDims: true), x.mean(axes: [1], keepDims: true)], axis: 1)
        return x * conv(pooled).sigmoid()
    }
}
