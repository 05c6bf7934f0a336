/// The sizes of one 2-D convolution (or pooling window sweep) over an NCHW
/// batch, resolved once so that forward and backward kernels agree on them.
struct ConvGeometry {
    let batch: Int
    let inChannels: Int, inHeight: Int, inWidth: Int
    let outChannels: Int, outHeight: Int, outWidth: Int
    let kernelHeight: Int, kernelWidth: Int
    let strideHeight: Int, strideWidth: Int
    let padHeight: Int, padWidth: Int
    let dilationHeight: Int, dilationWidth: Int
    let groups: Int

    var inPlane: Int { inHeight * inWidth }
    var outPlane: Int { outHeight * outWidth }
    var kernelArea: Int { kernelHeight * kernelWidth }
    /// Rows of the lowered (im2col) matrix of one image: every input channel times every kernel tap.
    var columnRows: Int { inChannels * kernelArea }
    /// Rows of the lowered matrix that one group's filters read.
    var groupColumnRows: Int { inChannels / groups * kernelArea }
    var outChannelsPerGroup: Int { outChannels / groups }

    /// A 1x1, stride-1, unpadded convolution reads its input as the lowered matrix itself.
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1 && padHeight == 0 && padWidth == 0
    }

    /// The output length of a sliding window (torch's floor rule, no ceil mode).
    static func outputLength(input: Int, kernel: Int, stride: Int, padding: Int, dilation: Int) -> Int {
        let span = dilation * (kernel - 1) + 1
        let padded = input + 2 * padding
        return padded < span ? 0 : (padded - span) / stride + 1
    }

    /// The output positions o in 0..<outLength whose input index o * stride + offset
    /// falls inside 0..<inLength; `offset` is tap * dilation - padding. Kernels
    /// loop over this range without bounds checks and treat the rest as padding.
    @inline(__always)
    static func validOutputs(outLength: Int, inLength: Int, stride: Int, offset: Int) -> Range<Int> {
        let low = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let lastInside = inLength - 1 - offset
        if lastInside < 0 { return 0..<0 }
        let high = min(outLength, lastInside / stride + 1)
        return low < high ? low..<high : 0..<0
    }
}
