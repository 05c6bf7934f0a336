import Foundation
import GeoKitComponents
import GeoKitCore

// The recipe words also build their component on their own, for Swift code that assembles a model without a
// recipe (`ViewBranch`, `CrossViewModel(ground:aerial:loss:)`), with the same registry and parameter checks.

extension Backbone {
    /// `backbone:<name>` with the word's parameters; its `weights:` file, if any, is loaded into it (a relative
    /// path is relative to the working directory), with the same checks as a recipe's.
    public func make(registry: Registry = .shared) throws -> BackboneNetwork {
        let backbone = try registry.make(.backbone, part.name, part.parameters)
        if let weights = part.weights {
            let url = weights.url(relativeTo: nil)
            _ = try weights.load(try WeightsFile.read(url), from: url, into: backbone, component: "backbone:\(part.name)", branch: "")
        }
        return backbone
    }
}

extension Attention {
    /// `attention:<name>` with the word's parameters (where it goes is `part.role`'s point).
    public func make(registry: Registry = .shared) throws -> AttentionModule {
        try registry.make(.attention, part.name, part.parameters)
    }
}

extension Aggregator {
    /// `aggregator:<name>` with the word's parameters.
    public func make(registry: Registry = .shared) throws -> AggregatorModule {
        try registry.make(.aggregator, part.name, part.parameters)
    }
}

extension Loss {
    /// `loss:<name>` with the word's parameters.
    public func make(registry: Registry = .shared) throws -> LossFunction {
        try registry.make(.loss, name, parameters)
    }
}

extension Sampler {
    /// `sampler:<name>` with the word's parameters.
    public func make(registry: Registry = .shared) throws -> BatchSampler {
        try registry.make(.sampler, name, parameters)
    }
}
