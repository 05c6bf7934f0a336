/// Zeroes each element with probability `p` while training and scales the
/// rest by 1 / (1 - p) (torch.nn.Dropout); the identity in evaluation.
/// Masks come from the module's own generator when given one, otherwise
/// from `GlobalRandom.generator`, so a seeded run drops the same elements.
///
/// ```swift
/// let head = Sequential { Dropout(0.5); Linear(2048, 701) }
/// ```
public final class Dropout: Module {
    public let p: Double
    private var generator: RandomGenerator?

    public init(_ p: Double = 0.5, generator: RandomGenerator? = nil) {
        require(p >= 0 && p <= 1, "GeoKit: Dropout: probability \(p) is outside [0, 1]")
        self.p = p
        self.generator = generator
        super.init()
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        if generator != nil { return x.dropout(p, training: isTraining, generator: &generator!) }
        return x.dropout(p, training: isTraining, generator: &GlobalRandom.generator)
    }
}

/// Stochastic depth (timm's DropPath): while training, drops a residual
/// branch for a whole sample with probability `p` and scales the kept
/// samples by 1 / (1 - p); the identity in evaluation. Draws as `Dropout`.
///
/// ```swift
/// let y = x + dropPath(block(x))
/// ```
public final class DropPath: Module {
    public let p: Double
    private var generator: RandomGenerator?

    public init(_ p: Double = 0, generator: RandomGenerator? = nil) {
        require(p >= 0 && p <= 1, "GeoKit: DropPath: probability \(p) is outside [0, 1]")
        self.p = p
        self.generator = generator
        super.init()
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        if generator != nil { return x.dropPath(p, training: isTraining, generator: &generator!) }
        return x.dropPath(p, training: isTraining, generator: &GlobalRandom.generator)
    }
}
