/// y = x Wᵀ + b over the last axis, as torch.nn.Linear (keys `weight`
/// (out, in) and `bias` (out), torch's default initialisation).
///
/// ```swift
/// let fc = Linear(512, 10)
/// let logits = fc(features)   // (N, 512) -> (N, 10)
/// ```
public final class Linear: Module {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        require(inFeatures > 0 && outFeatures > 0, "GeoKit: Linear needs positive feature counts, got \(inFeatures) -> \(outFeatures)")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Tensor.zeros([outFeatures, inFeatures])
        self.bias = bias ? Tensor.zeros([outFeatures]) : nil
        super.init()
        Init.kaimingUniform(weight, nonlinearity: .leakyRelu(5.0.squareRoot()))
        registerParameter("weight", weight)
        if let b = self.bias {
            let bound = 1 / Double(inFeatures).squareRoot()
            Init.uniform(b, low: -bound, high: bound)
            registerParameter("bias", b)
        }
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        x.linear(weight: weight, bias: bias)
    }
}
