// Pooling as modules (no parameters, so no state-dict keys), with torch's
// semantics: the stride defaults to the kernel size, padding is implicit
// (-inf for max, zeros or excluded for average).

/// Max over kernel x kernel windows (torch.nn.MaxPool2d).
public final class MaxPool2d: Module {
    public let kernel: Int
    public let stride: Int
    public let padding: Int

    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        super.init()
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        x.maxPool2d(kernel: kernel, stride: stride, padding: padding)
    }
}

/// Mean over kernel x kernel windows (torch.nn.AvgPool2d); with
/// `countIncludePad` false, padded positions do not count in the mean.
public final class AvgPool2d: Module {
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let countIncludePad: Bool

    public init(kernel: Int, stride: Int? = nil, padding: Int = 0, countIncludePad: Bool = true) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
        self.countIncludePad = countIncludePad
        super.init()
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        x.avgPool2d(kernel: kernel, stride: stride, padding: padding, countIncludePad: countIncludePad)
    }
}

/// Mean over the bins that split the plane into outputSize cells
/// (torch.nn.AdaptiveAvgPool2d); (1, 1) is global average pooling.
public final class AdaptiveAvgPool2d: Module {
    public let outputSize: (Int, Int)

    public init(_ outputSize: (Int, Int)) {
        self.outputSize = outputSize
        super.init()
    }

    public convenience init(_ outputSize: Int) { self.init((outputSize, outputSize)) }

    public override func callAsFunction(_ x: Tensor) -> Tensor { x.adaptiveAvgPool2d(outputSize) }
}
