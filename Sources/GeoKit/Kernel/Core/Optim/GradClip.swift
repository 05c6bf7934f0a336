/// Rescales the gradients of `parameters` so that their joint L2 norm is at
/// most `maxNorm` (torch.nn.utils.clip_grad_norm_: every gradient is
/// multiplied by min(1, maxNorm / (norm + 1e-6))). Returns the norm before
/// clipping, which may be infinite or NaN for a diverged step. Each clipped
/// gradient is a new tensor, so a gradient shared elsewhere is never changed.
/// Parameters without a gradient are ignored.
///
/// ```swift
/// loss.backward()
/// let norm = clipGradNorm(model.parameters(), maxNorm: 1.0)
/// optimizer.step()
/// ```
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Double) -> Double {
    require(maxNorm >= 0, "GeoKit: clipGradNorm: maxNorm must be >= 0, got \(maxNorm)")
    let grads = parameters.compactMap(\.grad)
    let totalNorm = grads.map(sumOfSquares).reduce(0, +).squareRoot()
    let coefficient = maxNorm / (totalNorm + 1e-6)
    guard coefficient < 1 else { return totalNorm }
    noGrad {
        for parameter in parameters {
            if let grad = parameter.grad { parameter.grad = grad * coefficient }
        }
    }
    return totalNorm
}

/// Clamps every gradient element of `parameters` to [-limit, limit]
/// (torch.nn.utils.clip_grad_value_), each into a new tensor.
public func clipGradValue(_ parameters: [Tensor], limit: Double) {
    require(limit >= 0, "GeoKit: clipGradValue: limit must be >= 0, got \(limit)")
    noGrad {
        for parameter in parameters {
            if let grad = parameter.grad { parameter.grad = grad.clamp(min: -limit, max: limit) }
        }
    }
}

/// Σ x², accumulated in Double whatever the tensor's dtype.
private func sumOfSquares(_ tensor: Tensor) -> Double {
    func run<T: TensorScalar>(_: T.Type) -> Double {
        let x = tensor.pointer(T.self)
        var total = 0.0
        for i in 0..<tensor.count {
            let v = Double(x[i])
            total += v * v
        }
        return total
    }
    switch tensor.dtype {
    case .float32: return run(Float.self)
    case .float64: return run(Double.self)
    }
}
