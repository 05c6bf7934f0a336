import GeoKit

/// Triplet Attention (Misra et al.), as AENet applies it after its
/// EfficientNetV2 features: three gates over the three pairs of axes of x
/// (N, C, H, W) (the (C, W) plane, the (H, C) plane and the spatial (H, W)
/// plane), averaged, so channel and spatial attention interact without a
/// bottleneck. Each gate pools its leading axis into [max, mean], and a
/// 7x7 conv -> BatchNorm -> sigmoid turns that into a weight map.
/// Keys `ChannelGateH.spatial.conv.weight`, `ChannelGateH.spatial.bn.*`,
/// and the same under `ChannelGateW.` and `SpatialGate.`.
///
/// ```swift
/// let attention = try Registry.shared.make(.attention, "triplet")
/// let y = attention(features)   // same shape as features
/// ```
public final class TripletAttention: Module, AttentionModule, AttentionMapReporting {
    /// Gates the (C, W) plane: x viewed as (N, H, C, W).
    public let channelGateH = TripletGate()
    /// Gates the (H, C) plane: x viewed as (N, W, H, C).
    public let channelGateW = TripletGate()
    /// Gates the (H, W) plane.
    public let spatialGate = TripletGate()

    public override init() {
        super.init()
        register("ChannelGateH", channelGateH)
        register("ChannelGateW", channelGateW)
        register("SpatialGate", spatialGate)
    }

    /// The spatial (H, W) gate of the last forward (N, 1, H, W).
    public var lastMap: Tensor? { spatialGate.lastGate }
    public var mapTitle: String { "Triplet Attention spatial gate" }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        require(x.rank == 4, "GeoKit: attention triplet expects a feature map (N, C, H, W), got \(x.shape)")
        // Both permutations swap two axes, so each is its own inverse.
        let h = channelGateH(x.permuted([0, 2, 1, 3])).permuted([0, 2, 1, 3])
        let w = channelGateW(x.permuted([0, 3, 2, 1])).permuted([0, 3, 2, 1])
        return (h + w + spatialGate(x)) * (1.0 / 3)
    }
}

/// One branch of Triplet Attention: t * sigmoid(BN(conv7x7([max, mean] over axis 1 of t))).
/// Its conv and BN sit under `spatial.` (keys `spatial.conv.weight`, `spatial.bn.*`).
public final class TripletGate: Module {
    public let conv = Conv2d(2, 1, kernelSize: 7, padding: 3, bias: false)
    public let bn = BatchNorm(1, eps: 1e-5, momentum: 0.01)
    /// The weight map of the last forward, over t's last two axes.
    public private(set) var lastGate: Tensor?

    public override init() {
        super.init()
        let spatial = Module()
        spatial.register("conv", conv)
        spatial.register("bn", bn)
        register("spatial", spatial)
    }

    public override func callAsFunction(_ t: Tensor) -> Tensor {
        let pooled = Tensor.concat([t.max(axis: 1, keepDims: true), t.mean(axes: [1], keepDims: true)], axis: 1)
        let gate = bn(conv(pooled)).sigmoid()
        lastGate = gate.detached()
        return t * gate
    }
}
