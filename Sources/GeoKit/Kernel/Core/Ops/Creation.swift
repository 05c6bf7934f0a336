extension Tensor {
    /// A tensor with every element equal to `value`.
    public static func full(_ value: Double, shape: [Int], dtype: DType = .float32) -> Tensor {
        let t = Tensor(zeros: shape, dtype: dtype)
        if value != 0 { t.fill(value) }
        return t
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor { Tensor(zeros: shape, dtype: dtype) }
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(1, shape: shape, dtype: dtype) }

    /// 0, 1, ..., n-1.
    public static func arange(_ n: Int, dtype: DType = .float32) -> Tensor {
        let t = Tensor(zeros: [n], dtype: dtype)
        t.fill { i in Double(i) }
        return t
    }

    /// Standard normal samples scaled by `std` and shifted by `mean`.
    public static func randn(
        _ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32,
        generator: inout RandomGenerator
    ) -> Tensor {
        let t = Tensor(zeros: shape, dtype: dtype)
        t.fill { _ in mean + std * generator.normal() }
        return t
    }

    /// Uniform samples in [low, high).
    public static func uniform(
        _ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32,
        generator: inout RandomGenerator
    ) -> Tensor {
        let t = Tensor(zeros: shape, dtype: dtype)
        t.fill { _ in low + (high - low) * generator.uniform() }
        return t
    }

    /// Convenience: normal samples from a fresh generator with this seed.
    public static func randn(_ shape: [Int], seed: UInt64, dtype: DType = .float32) -> Tensor {
        var g = RandomGenerator(seed: seed)
        return randn(shape, dtype: dtype, generator: &g)
    }

    /// Sets every element to `value` in place (no history).
    public func fill(_ value: Double) {
        switch dtype {
        case .float32: pointer(Float.self).update(repeating: Float(value), count: count)
        case .float64: pointer(Double.self).update(repeating: value, count: count)
        }
    }

    /// Sets element i to `value(i)` in place, in order (no history).
    public func fill(_ value: (Int) -> Double) {
        switch dtype {
        case .float32: let p = pointer(Float.self); for i in 0..<count { p[i] = Float(value(i)) }
        case .float64: let p = pointer(Double.self); for i in 0..<count { p[i] = value(i) }
        }
    }

    /// A tensor of the same shape and dtype filled with `value`.
    public func fullLike(_ value: Double) -> Tensor { Tensor.full(value, shape: shape, dtype: dtype) }
}
