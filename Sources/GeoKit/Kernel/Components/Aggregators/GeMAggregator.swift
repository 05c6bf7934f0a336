import GeoKitCore
import GeoKitData

/// `aggregator:gem`: generalised-mean pooling, (mean over H, W of
/// clamp(x, min: 1e-6)^p)^(1/p) -> (N, C), with a learnable exponent `p`
/// (key `p`). One shared exponent, or one per channel as in RK-Net; either
/// way it starts at `initialP` (3: between average (1) and max (inf) pooling).
///
/// ```swift
/// let gem = try Registry.shared.make(.aggregator, "gem", ["channels": .int(2048)])
/// gem.stateDict().map(\.name)   // ["p"], shape [2048]
/// ```
public final class GeMAggregator: Module, AggregatorModule, InputShapeChecking {
    /// The exponent: shape [1] when shared, [channels] when per channel.
    public let p: Tensor
    public let eps: Double
    /// The channel count the per-channel exponent is built for; nil when shared.
    public let inputChannels: Int?

    /// - Parameter channels: 0 for one shared exponent, else the input's
    ///   channel count (one exponent per channel).
    public init(initialP: Double = 3, channels: Int = 0, eps: Double = 1e-6) {
        p = Tensor.full(initialP, shape: [channels == 0 ? 1 : channels])
        self.eps = eps
        inputChannels = channels == 0 ? nil : channels
        super.init()
        registerParameter("p", p)
    }

    public func descriptorSize(channels: Int, height: Int, width: Int) -> Int { channels }

    public func checkInput(shape: [Int]) throws {
        guard shape.count == 4 else {
            throw GeoKitError("aggregator:gem takes a feature map (N, C, H, W), got shape \(shape)", where: "aggregator:gem")
        }
        if let inputChannels, shape[1] != inputChannels {
            throw GeoKitError(
                "aggregator:gem was built for \(inputChannels) channels (one p each), the input has \(shape[1])",
                where: "aggregator:gem", remedy: "set channels=\(shape[1]), or channels=0 for one shared p")
        }
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "GeoKit: aggregator gem expects a feature map (N, C, H, W), got \(x.shape)")
        if let inputChannels {
            require(
                x.shape[1] == inputChannels,
                "GeoKit: aggregator gem was built for \(inputChannels) channels (one p each), the input is \(x.shape)")
        }
        return x.gem(p: p, eps: eps)
    }
}
