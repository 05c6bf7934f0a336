/// 2-D convolution over NCHW batches, as torch.nn.Conv2d (keys `weight`
/// (out, in / groups, kh, kw) and `bias` (out), torch's default
/// initialisation: uniform in ±1/sqrt(fan in) for both).
///
/// ```swift
/// let stem = Conv2d(3, 64, kernelSize: 7, stride: 2, padding: 3, bias: false)
/// let depthwise = Conv2d(32, 32, kernelSize: 3, padding: 1, groups: 32)
/// let wide = Conv2d(16, 16, kernelSize: (1, 3), padding: (0, 1))
/// ```
public final class Conv2d: Module {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: (Int, Int)
    public let stride: (Int, Int)
    public let padding: (Int, Int)
    public let dilation: (Int, Int)
    public let groups: Int
    public let weight: Tensor
    public let bias: Tensor?

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int) = (1, 1),
        padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1), groups: Int = 1, bias: Bool = true
    ) {
        require(
            inChannels > 0 && outChannels > 0 && groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
            "GeoKit: Conv2d: groups \(groups) must divide both channel counts, got \(inChannels) -> \(outChannels)")
        require(kernelSize.0 > 0 && kernelSize.1 > 0, "GeoKit: Conv2d: kernel size must be positive, got \(kernelSize)")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        weight = Tensor.zeros([outChannels, inChannels / groups, kernelSize.0, kernelSize.1])
        self.bias = bias ? Tensor.zeros([outChannels]) : nil
        super.init()
        Init.kaimingUniform(weight, nonlinearity: .leakyRelu(5.0.squareRoot()))
        registerParameter("weight", weight)
        if let b = self.bias {
            let bound = 1 / Double(Init.fans(weight).fanIn).squareRoot()
            Init.uniform(b, low: -bound, high: bound)
            registerParameter("bias", b)
        }
    }

    /// A square kernel with the same stride, padding and dilation along both axes.
    public convenience init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true
    ) {
        self.init(
            inChannels, outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
            padding: (padding, padding), dilation: (dilation, dilation), groups: groups, bias: bias)
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        x.conv2d(weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// `activation(norm(self(x)) + residual)` in one oneDNN primitive where it can (ConvolutionFusion).
    ///
    /// ```swift
    /// let y = conv2.forward(x, normalisedBy: bn2, adding: shortcut, then: .relu)
    /// ```
    public func forward(
        _ x: Tensor, normalisedBy norm: BatchNorm? = nil, adding residual: Tensor? = nil,
        then activation: ConvolutionFusion.Activation = .none
    ) -> Tensor {
        fusion.forward(
            x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
            normalisedBy: norm, adding: residual, then: activation, unfused: callAsFunction)
    }

    private let fusion = ConvolutionFusion()
}
