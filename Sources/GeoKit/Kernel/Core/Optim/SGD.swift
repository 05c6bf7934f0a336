/// Stochastic gradient descent with optional momentum, dampening, Nesterov
/// momentum and L2 weight decay, step for step as torch.optim.SGD:
///
///     g = grad + weightDecay * p
///     b = g (first step), else momentum * b + (1 - dampening) * g
///     p -= lr * (nesterov ? g + momentum * b : b)        (momentum > 0)
///     p -= lr * g                                        (momentum = 0)
///
/// ```swift
/// let sgd = SGD([ParameterGroup(parameters: backbone.parameters(), learningRate: 0.001),
///                ParameterGroup(parameters: head.parameters(), learningRate: 0.01)],
///               momentum: 0.9, nesterov: true)
/// ```
public final class SGD: Optimizer {
    public var groups: [ParameterGroup]
    public let momentum: Double
    public let dampening: Double
    public let nesterov: Bool
    private var momentumBuffers = ParameterStates<Tensor>()

    public init(_ groups: [ParameterGroup], momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false) {
        OptimizerStateDict.checkGroups(groups, optimizer: "SGD")
        require(momentum >= 0, "GeoKit: SGD: momentum must be >= 0, got \(momentum)")
        require(
            !nesterov || (momentum > 0 && dampening == 0),
            "GeoKit: SGD: Nesterov momentum needs momentum > 0 and dampening 0, got momentum \(momentum), dampening \(dampening)")
        self.groups = groups
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
    }

    public convenience init(
        parameters: [Tensor], learningRate: Double, momentum: Double = 0, dampening: Double = 0,
        nesterov: Bool = false, weightDecay: Double = 0
    ) {
        self.init(
            [ParameterGroup(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay)],
            momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    public func step() {
        for group in groups {
            for parameter in group.parameters {
                guard let grad = parameter.grad else { continue }
                checkGradient(grad, of: parameter, optimizer: "SGD")
                var buffer: Tensor?
                var firstStep = false
                if momentum != 0 {
                    if let existing = momentumBuffers[parameter] {
                        buffer = existing
                    } else {
                        buffer = Tensor(zeros: parameter.shape, dtype: parameter.dtype)
                        momentumBuffers[parameter] = buffer
                        firstStep = true
                    }
                }
                let update = SGDUpdate(
                    learningRate: group.learningRate, weightDecay: group.weightDecay, momentum: momentum,
                    dampening: dampening, nesterov: nesterov, firstStep: firstStep)
                switch parameter.dtype {
                case .float32: update.apply(parameter, grad, buffer, Float.self)
                case .float64: update.apply(parameter, grad, buffer, Double.self)
                }
            }
        }
    }

    public func stateDict() -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (index, parameter) in OptimizerStateDict.parameters(groups).enumerated() {
            if let buffer = momentumBuffers[parameter] {
                state[OptimizerStateDict.key(index, "momentum_buffer")] = buffer.copy()
            }
        }
        return state
    }

    public func loadStateDict(_ state: [String: Tensor]) throws {
        let parameters = OptimizerStateDict.parameters(groups)
        let saved = try OptimizerStateDict.parse(
            state, parameters: parameters,
            fields: ["momentum_buffer": .parameterShaped], optimizer: "SGD")
        momentumBuffers.removeAll()
        for (index, fields) in saved {
            momentumBuffers[parameters[index]] = fields["momentum_buffer"]!.to(parameters[index].dtype).copy()
        }
    }
}

/// One parameter's SGD update, in place over raw buffers.
private struct SGDUpdate {
    let learningRate: Double, weightDecay: Double, momentum: Double, dampening: Double
    let nesterov: Bool, firstStep: Bool

    func apply<T: TensorScalar>(_ parameter: Tensor, _ grad: Tensor, _ buffer: Tensor?, _: T.Type) {
        let p = parameter.pointer(T.self), g = grad.pointer(T.self), b = buffer?.pointer(T.self)
        let lr = T(learningRate), wd = T(weightDecay), mu = T(momentum), keep = T(1 - dampening)
        let (nesterov, firstStep) = (self.nesterov, self.firstStep)
        Parallel.forEachChunk(parameter.count) { range in
            for i in range {
                var d = g[i] + wd * p[i]
                if let b {
                    b[i] = firstStep ? d : mu * b[i] + keep * d
                    d = nesterov ? d + mu * b[i] : b[i]
                }
                p[i] -= lr * d
            }
        }
    }
}
