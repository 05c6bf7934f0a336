extension Tensor {
    /// The mean cross-entropy of logits (N, C) against class `targets`, one
    /// per row (torch.nn.functional.cross_entropy with reduction "mean").
    /// With label smoothing ε the target distribution is (1 - ε) on the
    /// class plus ε / C everywhere: loss_n = -Σ_c q_nc log_softmax(x)_nc.
    /// Differentiable through `logSoftmax`.
    public func crossEntropy(targets: [Int], labelSmoothing: Double = 0) -> Tensor {
        Profiler.measure("cross_entropy") {
            require(rank == 2, "GeoKit: crossEntropy: logits must be (N, C), got shape \(shape)")
            let (rows, classes) = (shape[0], shape[1])
            require(rows > 0 && classes > 0, "GeoKit: crossEntropy: logits of shape \(shape) are empty")
            require(targets.count == rows, "GeoKit: crossEntropy: \(targets.count) targets for logits of shape \(shape)")
            let valid = 0..<classes
            require(
                targets.allSatisfy(valid.contains),
                "GeoKit: crossEntropy: target \(targets.first { !valid.contains($0) }!) is outside \(valid) for logits of shape \(shape)")
            require(
                labelSmoothing >= 0 && labelSmoothing <= 1,
                "GeoKit: crossEntropy: labelSmoothing \(labelSmoothing) is outside [0, 1]")
            let spread = labelSmoothing / Double(classes)
            let weights = Tensor(zeros: shape, dtype: dtype)
            weights.fill { e in e % classes == targets[e / classes] ? 1 - labelSmoothing + spread : spread }
            return (logSoftmax(axis: 1) * weights).sum() * (-1 / Double(rows))
        }
    }
}
