extension Tensor {
    /// Inverted dropout (torch.nn.functional.dropout): each element is zeroed
    /// with probability p and the survivors are scaled by 1 / (1 - p), so the
    /// expected value is unchanged and evaluation needs no rescaling. The
    /// identity when not training or p == 0; zeros when p == 1. The mask
    /// comes from `generator`, one uniform draw per element in order.
    public func dropout(_ p: Double, training: Bool, generator: inout RandomGenerator) -> Tensor {
        Profiler.measure("dropout") {
            require(p >= 0 && p <= 1, "GeoKit: dropout: probability \(p) is outside [0, 1]")
            guard training && p > 0 else { return self }
            let mask = Tensor(zeros: shape, dtype: dtype)
            let scale = p < 1 ? 1 / (1 - p) : 0
            mask.fill { _ in generator.uniform() < p ? 0 : scale }
            return self * mask
        }
    }

    /// Stochastic depth (timm's drop_path): each sample along axis 0 is
    /// zeroed with probability p, whole, and the kept samples are scaled by
    /// 1 / (1 - p). Used on residual branches, where dropping a sample skips
    /// the block for it. One uniform draw per sample from `generator`.
    public func dropPath(_ p: Double, training: Bool, generator: inout RandomGenerator) -> Tensor {
        Profiler.measure("drop_path") {
            require(p >= 0 && p <= 1, "GeoKit: dropPath: probability \(p) is outside [0, 1]")
            require(rank >= 1, "GeoKit: dropPath: needs a batch axis, got shape \(shape)")
            guard training && p > 0 else { return self }
            let mask = Tensor(zeros: [shape[0]] + [Int](repeating: 1, count: rank - 1), dtype: dtype)
            let scale = p < 1 ? 1 / (1 - p) : 0
            mask.fill { _ in generator.uniform() < p ? 0 : scale }
            return self * mask
        }
    }
}
