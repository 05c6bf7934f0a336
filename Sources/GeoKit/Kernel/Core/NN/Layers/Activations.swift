// Activation functions as modules, so they can sit in a `Sequential`.
// They hold no parameters and so add no state-dict keys, as in torch.

/// max(x, 0).
public final class ReLU: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.relu() }
}

/// x for x > 0, negativeSlope * x otherwise.
public final class LeakyReLU: Module {
    public let negativeSlope: Double
    public init(negativeSlope: Double = 0.01) {
        self.negativeSlope = negativeSlope
        super.init()
    }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.leakyRelu(slope: negativeSlope) }
}

/// x * sigmoid(x), also called Swish.
public final class SiLU: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.silu() }
}

/// The exact (erf) GELU, torch's default.
public final class GELU: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.gelu() }
}

/// 1 / (1 + e^-x).
public final class Sigmoid: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.sigmoid() }
}

/// The hyperbolic tangent.
public final class Tanh: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.tanh() }
}

/// x * relu6(x + 3) / 6, MobileNetV3's cheap Swish.
public final class HardSwish: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.hardSwish() }
}
