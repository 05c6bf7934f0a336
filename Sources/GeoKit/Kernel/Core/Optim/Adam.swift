import RealModule

/// Adam (Kingma & Ba), step for step as torch.optim.Adam. Weight decay is an
/// L2 term added to the gradient, so it passes through the moment estimates:
///
///     g = grad + weightDecay * p
///     m = β1 m + (1 - β1) g,   v = β2 v + (1 - β2) g²,   t += 1
///     p -= lr / (1 - β1ᵗ) * m / (sqrt(v) / sqrt(1 - β2ᵗ) + eps)
///
/// ```swift
/// let adam = Adam(parameters: model.parameters(), learningRate: 1e-5)
/// ```
public class Adam: Optimizer {
    public var groups: [ParameterGroup]
    public let betas: (Double, Double)
    public let eps: Double
    /// Whether weight decay shrinks the parameters directly (AdamW) instead of entering the gradient.
    public let decoupledWeightDecay: Bool
    private var moments = ParameterStates<AdamMoments>()

    init(groups: [ParameterGroup], betas: (Double, Double), eps: Double, decoupledWeightDecay: Bool) {
        let name = decoupledWeightDecay ? "AdamW" : "Adam"
        OptimizerStateDict.checkGroups(groups, optimizer: name)
        require(
            (0..<1).contains(betas.0) && (0..<1).contains(betas.1) && eps >= 0,
            "GeoKit: \(name): betas must lie in [0, 1) and eps be >= 0, got betas \(betas), eps \(eps)")
        self.groups = groups
        self.betas = betas
        self.eps = eps
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    public convenience init(_ groups: [ParameterGroup], betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8) {
        self.init(groups: groups, betas: betas, eps: eps, decoupledWeightDecay: false)
    }

    public convenience init(
        parameters: [Tensor], learningRate: Double, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0
    ) {
        self.init(
            [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
            betas: betas, eps: eps)
    }

    private var name: String { decoupledWeightDecay ? "AdamW" : "Adam" }

    public func step() {
        for group in groups {
            for parameter in group.parameters {
                guard let grad = parameter.grad else { continue }
                checkGradient(grad, of: parameter, optimizer: name)
                var state = moments[parameter] ?? AdamMoments(like: parameter)
                state.step += 1
                moments[parameter] = state
                let update = AdamUpdate(
                    learningRate: group.learningRate, weightDecay: group.weightDecay,
                    decoupled: decoupledWeightDecay, betas: betas, eps: eps, step: state.step)
                switch parameter.dtype {
                case .float32: update.apply(parameter, grad, state, Float.self)
                case .float64: update.apply(parameter, grad, state, Double.self)
                }
            }
        }
    }

    public func stateDict() -> [String: Tensor] {
        var dict: [String: Tensor] = [:]
        for (index, parameter) in OptimizerStateDict.parameters(groups).enumerated() {
            guard let state = moments[parameter] else { continue }
            dict[OptimizerStateDict.key(index, "step")] = OptimizerStateDict.scalar(state.step)
            dict[OptimizerStateDict.key(index, "exp_avg")] = state.firstMoment.copy()
            dict[OptimizerStateDict.key(index, "exp_avg_sq")] = state.secondMoment.copy()
        }
        return dict
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        let parameters = OptimizerStateDict.parameters(groups)
        let saved = try OptimizerStateDict.parse(
            state, parameters: parameters,
            fields: ["step": .scalar, "exp_avg": .parameterShaped, "exp_avg_sq": .parameterShaped], optimizer: name)
        moments.removeAll()
        for (index, fields) in saved {
            let dtype = parameters[index].dtype
            moments[parameters[index]] = AdamMoments(
                step: Int(fields["step"]!.item.rounded()),
                firstMoment: fields["exp_avg"]!.to(dtype).copy(),
                secondMoment: fields["exp_avg_sq"]!.to(dtype).copy())
        }
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter), as
/// torch.optim.AdamW: before the Adam step, p *= 1 - lr * weightDecay, and
/// the gradient is left alone. AENet and Sample4Geo train with it.
///
/// ```swift
/// let adamW = AdamW(parameters: model.parameters(), learningRate: 1e-5, weightDecay: 5e-5)
/// ```
public final class AdamW: Adam {
    public init(_ groups: [ParameterGroup], betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8) {
        super.init(groups: groups, betas: betas, eps: eps, decoupledWeightDecay: true)
    }

    public convenience init(
        parameters: [Tensor], learningRate: Double, betas: (Double, Double) = (0.9, 0.999),
        eps: Double = 1e-8, weightDecay: Double = 0.01
    ) {
        self.init(
            [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
            betas: betas, eps: eps)
    }
}

/// One parameter's moment estimates and the number of updates it has had.
private struct AdamMoments {
    var step: Int
    let firstMoment: Tensor
    let secondMoment: Tensor

    init(step: Int, firstMoment: Tensor, secondMoment: Tensor) {
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }

    init(like parameter: Tensor) {
        self.init(
            step: 0, firstMoment: Tensor(zeros: parameter.shape, dtype: parameter.dtype),
            secondMoment: Tensor(zeros: parameter.shape, dtype: parameter.dtype))
    }
}

/// One parameter's Adam or AdamW update, in place over raw buffers.
private struct AdamUpdate {
    let learningRate: Double, weightDecay: Double, decoupled: Bool
    let betas: (Double, Double), eps: Double, step: Int

    func apply<T: TensorScalar>(_ parameter: Tensor, _ grad: Tensor, _ state: AdamMoments, _: T.Type) {
        let p = parameter.pointer(T.self), g = grad.pointer(T.self)
        let m = state.firstMoment.pointer(T.self), v = state.secondMoment.pointer(T.self)
        let beta1 = T(betas.0), beta2 = T(betas.1), eps = T(self.eps)
        let shrink = T(decoupled ? 1 - learningRate * weightDecay : 1)
        let l2 = T(decoupled ? 0 : weightDecay)
        let stepSize = T(learningRate / (1 - Double.pow(betas.0, step)))
        let correction2 = T((1 - Double.pow(betas.1, step)).squareRoot())
        Parallel.forEachChunk(parameter.count) { range in
            for i in range {
                let d = g[i] + l2 * p[i]
                m[i] += (d - m[i]) * (1 - beta1)
                v[i] = beta2 * v[i] + (1 - beta2) * d * d
                p[i] = p[i] * shrink - stepSize * m[i] / (v[i].squareRoot() / correction2 + eps)
            }
        }
    }
}
