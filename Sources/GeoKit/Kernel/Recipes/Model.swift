import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// The model: one backbone, attention modules at named insertion points,
/// an aggregator, for both views. `shareWeights: true` gives one network
/// for ground and aerial (Sample4Geo); false, two of the same architecture
/// (AENet, SAFA).
///
/// ```swift
/// Model(shareWeights: true) {
///     Backbone("resnet18", weights: "resnet18.safetensors")
///     Attention("usam", at: "stem")
///     Aggregator("gem", ["p": 3.0])
/// }
/// ```
public struct Model: RecipePart, Sendable {
    public var shareWeights: Bool
    public var parts: [ModelPart]

    public init(shareWeights: Bool = true, @ModelBuilder _ body: () -> [ModelPart]) {
        self.shareWeights = shareWeights
        self.parts = body()
    }

    public func apply(to recipe: Recipe) { recipe.model = self }
}

/// A component of the model, named by string and resolved in the registry when the recipe runs.
public struct ModelPart: Sendable {
    public enum Role: Sendable, Equatable { case backbone, aggregator, head, attention(at: String) }
    public var role: Role
    public var name: String
    public var parameters: [String: ParameterValue]
    /// Pretrained weights (backbones only), loaded when the model is built.
    public var weights: PretrainedWeights?
    /// Parameters that differ between the two branches of unshared weights
    /// (`Model(shareWeights: false)`), over `parameters`: e.g. LPN on CVUSA pools
    /// the panorama in rows and the satellite tile in square rings.
    public var viewParameters: [CrossView: [String: ParameterValue]] = [:]

    /// The parameters the branch of `view` is built with (nil: the shared ones).
    public func parameters(for view: CrossView?) -> [String: ParameterValue] {
        guard let view, let own = viewParameters[view] else { return parameters }
        return parameters.merging(own) { _, mine in mine }
    }
}

/// What may appear in a `Model { ... }` body.
public protocol ModelComponent {
    var part: ModelPart { get }
}

/// The backbone (`backbone:<name>`), e.g. `Backbone("resnet50", ["lastStride": 1])`, optionally
/// starting from a weights file (PretrainedWeights: safetensors or a PyTorch `.pth`/`.bin`;
/// a relative path is relative to the recipe file):
/// `Backbone("resnet50", weights: "resnet50.pth", stripPrefix: "module.")`.
public struct Backbone: ModelComponent {
    public let part: ModelPart
    public init(
        _ name: String, _ parameters: [String: ParameterValue] = [:], weights: String? = nil, strict: Bool = false,
        stripPrefix: String? = nil, addPrefix: String? = nil
    ) {
        part = ModelPart(
            role: .backbone, name: name, parameters: parameters,
            weights: weights.map { PretrainedWeights(path: $0, strict: strict, stripPrefix: stripPrefix, addPrefix: addPrefix) })
    }
}

/// An attention module (`attention:<name>`) inserted at a point of the
/// backbone: "output" (after the backbone, the default) or a point the
/// backbone names (e.g. ResNet's "stem", "layer1").
public struct Attention: ModelComponent {
    public let part: ModelPart
    public init(_ name: String, at point: String = "output", _ parameters: [String: ParameterValue] = [:]) {
        part = ModelPart(role: .attention(at: point), name: name, parameters: parameters)
    }
}

/// The aggregator (`aggregator:<name>`), e.g. `Aggregator("gem")`. With
/// unshared weights each branch may set some parameters its own way
/// (`--set aggregator.ground.NAME=VALUE`):
/// `Aggregator("lpn", ["blocks": 8], ground: ["partition": "row"], aerial: ["partition": "ring"])`.
public struct Aggregator: ModelComponent {
    public let part: ModelPart
    public init(
        _ name: String, _ parameters: [String: ParameterValue] = [:], ground: [String: ParameterValue] = [:],
        aerial: [String: ParameterValue] = [:]
    ) {
        var part = ModelPart(role: .aggregator, name: name, parameters: parameters)
        part.viewParameters = [.ground: ground, .aerial: aerial].filter { !$0.value.isEmpty }
        self.part = part
    }
}

/// A classifier head (`head:<name>`) after the aggregator, for losses that predict the location
/// (`Loss("instance")`), e.g. `Head("classblock", ["bottleneck": 512, "dropout": 0.5])`. It classifies
/// the training locations: their number comes from the training split, not from the recipe.
public struct Head: ModelComponent {
    public let part: ModelPart
    public init(_ name: String, _ parameters: [String: ParameterValue] = [:]) {
        part = ModelPart(role: .head, name: name, parameters: parameters)
    }
}

@resultBuilder
public enum ModelBuilder {
    public static func buildExpression(_ component: ModelComponent) -> [ModelPart] { [component.part] }
    public static func buildBlock(_ parts: [ModelPart]...) -> [ModelPart] { parts.flatMap { $0 } }
    public static func buildOptional(_ parts: [ModelPart]?) -> [ModelPart] { parts ?? [] }
    public static func buildEither(first parts: [ModelPart]) -> [ModelPart] { parts }
    public static func buildEither(second parts: [ModelPart]) -> [ModelPart] { parts }
    public static func buildArray(_ parts: [[ModelPart]]) -> [ModelPart] { parts.flatMap { $0 } }
}
