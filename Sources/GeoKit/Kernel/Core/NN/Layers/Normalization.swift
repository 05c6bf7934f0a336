/// Batch normalisation over the channel axis of (N, C), (N, C, L) or
/// (N, C, H, W) inputs, as torch.nn.BatchNorm1d/2d (keys `weight`, `bias`,
/// `running_mean`, `running_var`, `num_batches_tracked`). Training
/// normalises with the batch statistics and updates the running ones
/// (running = (1 - momentum) running + momentum batch); evaluation uses the
/// running statistics.
///
/// ```swift
/// let block = Sequential { Conv2d(64, 64, kernelSize: 3, padding: 1, bias: false); BatchNorm2d(64); ReLU() }
/// ```
public final class BatchNorm: Module {
    public let features: Int
    public let eps: Double
    public let momentum: Double
    public let weight: Tensor
    public let bias: Tensor
    public let runningMean: Tensor
    public let runningVar: Tensor
    /// Training forward passes so far (an integer buffer: I64 in checkpoints, as in torch).
    public let numBatchesTracked: Tensor

    public init(_ features: Int, eps: Double = 1e-5, momentum: Double = 0.1) {
        require(features > 0, "GeoKit: BatchNorm needs a positive feature count, got \(features)")
        self.features = features
        self.eps = eps
        self.momentum = momentum
        weight = Tensor.ones([features])
        bias = Tensor.zeros([features])
        runningMean = Tensor.zeros([features])
        runningVar = Tensor.ones([features])
        numBatchesTracked = Tensor.zeros([], dtype: .float64)
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", bias)
        registerBuffer("running_mean", runningMean)
        registerBuffer("running_var", runningVar)
        registerBuffer("num_batches_tracked", numBatchesTracked, integer: true)
    }

    /// While set, every BatchNorm's training forward (GeoKitTraining's
    /// synchronised BatchNorm, statistics over all processes of a job).
    package nonisolated(unsafe) static var trainingForward: ((BatchNorm, Tensor) -> Tensor)?

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(
            x.rank >= 2 && x.shape[1] == features,
            "GeoKit: BatchNorm(\(features)) expects input (N, \(features), ...), got \(x.shape)")
        if isTraining { numBatchesTracked.fill(numBatchesTracked.item + 1) }
        if isTraining, let forward = BatchNorm.trainingForward { return forward(self, x) }
        return x.batchNorm(
            weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
            training: isTraining, momentum: momentum, eps: eps)
    }
}

/// torch's name for BatchNorm over (N, C) or (N, C, L) inputs.
public typealias BatchNorm1d = BatchNorm
/// torch's name for BatchNorm over (N, C, H, W) inputs.
public typealias BatchNorm2d = BatchNorm

/// Layer normalisation over the channel axis with a learned per-channel
/// scale and shift (keys `weight`, `bias`): channels last, (..., C), as
/// torch.nn.LayerNorm(C); or channels first, (N, C, H, W), as timm's
/// LayerNorm2d in ConvNeXt. The default eps is timm's 1e-6.
///
/// ```swift
/// let norm = LayerNorm(768)                             // tokens (N, L, 768)
/// let norm2d = LayerNorm(96, channelsFirst: true)       // feature maps (N, 96, H, W)
/// ```
public final class LayerNorm: Module {
    public let features: Int
    public let eps: Double
    public let channelsFirst: Bool
    public let weight: Tensor
    public let bias: Tensor

    public init(_ features: Int, eps: Double = 1e-6, channelsFirst: Bool = false) {
        require(features > 0, "GeoKit: LayerNorm needs a positive feature count, got \(features)")
        self.features = features
        self.eps = eps
        self.channelsFirst = channelsFirst
        weight = Tensor.ones([features])
        bias = Tensor.zeros([features])
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", bias)
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        x.layerNorm(axis: channelsFirst ? 1 : -1, weight: weight, bias: bias, eps: eps)
    }
}
