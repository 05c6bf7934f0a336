// Activation functions as modules, so they can sit in a `Sequential`.
// They hold no parameters and so add no state-dict keys, as in torch.

public final class ReLU: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.relu() }
}

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

public final class Sigmoid: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.sigmoid() }
}

public final class Tanh: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.tanh() }
}

public final class HardSwish: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x.hardSwish() }
}
