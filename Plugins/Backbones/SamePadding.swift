import GeoKit

/// A convolution with TensorFlow's "same" padding (timm's `Conv2dSame`): the
/// output side is ceil(input / stride), and the padding that takes, computed
/// from each input's size, goes half before and the rest after, so an even
/// input under a stride-2 kernel is padded asymmetrically (0 before, 1 after
/// for a 3x3). Keys `weight` (and `bias`), as a torch Conv2d, since timm's
/// tf_* checkpoints name it so.
final class Conv2dSame: Module {
    let kernelSize: Int, stride: Int, groups: Int
    let weight: Tensor
    let bias: Tensor?

    init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, groups: Int = 1, bias: Bool = false) {
        self.kernelSize = kernelSize
        self.stride = stride
        self.groups = groups
        weight = Tensor.zeros([outChannels, inChannels / groups, kernelSize, kernelSize])
        self.bias = bias ? Tensor.zeros([outChannels]) : nil
        super.init()
        registerParameter("weight", weight)
        if let b = self.bias { registerParameter("bias", b) }
    }

    override func callAsFunction(_ x: Tensor) -> Tensor { forward(x) }

    /// `activation(norm(self(x)) + residual)`, one oneDNN primitive at inference (ConvolutionFusion).
    func forward(
        _ x: Tensor, normalisedBy norm: BatchNorm? = nil, adding residual: Tensor? = nil,
        then activation: ConvolutionFusion.Activation = .none
    ) -> Tensor {
        let (top, bottom) = Self.padding(side: x.shape[2], kernel: kernelSize, stride: stride)
        let (left, right) = Self.padding(side: x.shape[3], kernel: kernelSize, stride: stride)
        // The convolution pads symmetrically itself; only the excess on one side is an explicit copy.
        let (h, w) = (min(top, bottom), min(left, right))
        let input = top == bottom && left == right ? x : x.padded([(top - h, bottom - h), (left - w, right - w)])
        return fusion.forward(
            input, weight: weight, bias: bias, stride: (stride, stride), padding: (h, w), dilation: (1, 1), groups: groups,
            normalisedBy: norm, adding: residual, then: activation
        ) { $0.conv2d(weight: self.weight, bias: self.bias, stride: (self.stride, self.stride), padding: (h, w), groups: self.groups) }
    }

    private let fusion = ConvolutionFusion()

    /// (before, after) along one axis: total max((ceil(side / stride) - 1) stride + kernel - side, 0), before = total / 2.
    static func padding(side: Int, kernel: Int, stride: Int) -> (before: Int, after: Int) {
        let total = max(((side + stride - 1) / stride - 1) * stride + kernel - side, 0)
        return (total / 2, total - total / 2)
    }
}
