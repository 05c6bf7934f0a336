import GeoKitCore
import GeoKitData

/// The attention modules inserted after a backbone's stages, one per stage
/// at most, registered by stage name. A backbone registers one of these as
/// its child `attention` (keys `attention.<stage>.*`) and calls it after
/// each stage:
///
/// ```swift
/// y = attention(layer1(y), after: "layer1")
/// ```
public final class StageAttention: Module {
    private let stageNames: [String]
    private var inserted: [String: AttentionModule] = [:]

    public init(stages: [FeatureStage]) {
        stageNames = stages.map(\.name)
        super.init()
    }

    /// Puts `module` after `stage`, replacing the module already there.
    public func insert(_ module: AttentionModule, at stage: String, of backbone: BackboneNetwork) throws {
        _ = try backbone.stage(named: stage)
        module.train(backbone.isTraining)
        inserted[stage] = module
        register(stage, module)
    }

    /// `x` through the module after `stage`, or `x` when there is none.
    public func callAsFunction(_ x: Tensor, after stage: String) -> Tensor {
        inserted[stage].map { $0(x) } ?? x
    }
}
