import GeoKitCore

/// Synchronised BatchNorm (`Train(syncBatchNorm: true)`): while it is
/// active, every BatchNorm in training mode normalises with the mean and
/// variance of the global batch, all-reduced over the ranks
/// (`differentiableAllReduceSum`, so the gradient flows through the
/// statistics to every rank's inputs, as in one process), and updates its
/// running statistics with them. Statistics are accumulated in Float64 in
/// two passes (mean, then centred squares), as the one-process kernel does.
/// In a world of one it changes nothing.
final class SynchronisedBatchNorm {
    private let active: Bool

    init(communicator: Communicator) {
        active = communicator.size > 1
        guard active else { return }
        BatchNorm.trainingForward = { norm, x in SynchronisedBatchNorm.forward(norm, x, communicator) }
    }

    /// Restores the per-process BatchNorm (at the end of the training run).
    func stop() {
        if active { BatchNorm.trainingForward = nil }
    }

    private static func forward(_ norm: BatchNorm, _ x: Tensor, _ communicator: Communicator) -> Tensor {
        let axes = [0] + Array(2..<x.rank)
        let local = Tensor(scalar: Double(x.count / norm.features), dtype: .float64)
        communicator.allReduceSum(local)
        let count = local.item
        let mean = communicator.differentiableAllReduceSum(x.to(.float64).sum(axes: axes, keepDims: true)) * (1 / count)
        let centred = x - mean.to(x.dtype)
        let variance = communicator.differentiableAllReduceSum((centred * centred).to(.float64).sum(axes: axes, keepDims: true)) * (1 / count)
        let shape = [1, norm.features] + [Int](repeating: 1, count: x.rank - 2)
        noGrad {
            let m = norm.momentum, unbiased = count / max(count - 1, 1)
            norm.runningMean.assign(norm.runningMean * (1 - m) + mean.reshaped([norm.features]).to(norm.runningMean.dtype) * m)
            norm.runningVar.assign(norm.runningVar * (1 - m) + variance.reshaped([norm.features]).to(norm.runningVar.dtype) * (m * unbiased))
        }
        let invStd = (variance + norm.eps).pow(-0.5).to(x.dtype)
        return centred * invStd * norm.weight.reshaped(shape) + norm.bias.reshaped(shape)
    }
}
