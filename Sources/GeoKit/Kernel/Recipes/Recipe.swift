import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// A training recipe: a name and its typed parts, assembled by the DSL.
///
/// ```swift
/// import GeoKit
/// let recipe = Recipe("quickstart") {
///     Dataset.synthetic(locations: 400, difficulty: .easy, ground: .panorama(64, 256), aerial: .polar(64, 256))
///     Model(shareWeights: true) { Backbone("resnet18"); Aggregator("gem") }
///     Loss("infonce")
///     Sampler("gps")
///     Train(epochs: 8, batchSize: 32, optimizer: .adamW(lr: 1e-3))
///     Evaluate(every: 1)
/// }
/// ```
///
/// `geokit run FILE.swift` compiles the file and runs the global `recipe`.
/// The trainer reads the parts as they are; `--set name=value` writes them
/// through one table of named, typed settings (`RecipeSetting.table`) or,
/// for a component's parameters (`loss.alpha`), through its registry schema.
///
/// Sendable so that `let recipe = Recipe(...)` is a valid global in Swift 6
/// language mode too: a recipe is changed only while it is set up (its body,
/// then `override`), on one thread, before anything reads it concurrently.
public final class Recipe: @unchecked Sendable {
    public let name: String
    public var dataset: Dataset?
    public var model: Model?
    public var loss: Loss?
    public var sampler: Sampler?
    public var train: Train?
    public var evaluation = Evaluate()
    /// The directory a relative weights path is resolved against: the recipe
    /// file's (set by `RecipeCompiler.load`), else the working directory.
    public var directory: URL?

    public init(_ name: String, @RecipeBuilder _ body: () -> [RecipePart]) {
        self.name = name
        for part in body() { part.apply(to: self) }
    }

    /// The component sections of a recipe: (section, kind) such as ("loss", .loss), ("attention0", .attention).
    public var componentSections: [(section: String, kind: ComponentKind)] {
        var sections: [(String, ComponentKind)] = []
        let parts = model?.parts ?? []
        if parts.contains(where: { $0.role == .backbone }) { sections.append(("backbone", .backbone)) }
        for i in parts.filter({ if case .attention = $0.role { true } else { false } }).indices {
            sections.append(("attention\(i)", .attention))
        }
        if parts.contains(where: { $0.role == .aggregator }) { sections.append(("aggregator", .aggregator)) }
        if parts.contains(where: { $0.role == .head }) { sections.append(("head", .head)) }
        for section in lossSections { sections.append((section, .loss)) }
        if sampler != nil { sections.append(("sampler", .sampler)) }
        return sections
    }

    /// The loss's sections: "loss", or "loss0", "loss1", ... for the terms of a sum of losses.
    public var lossSections: [String] {
        guard let loss else { return [] }
        return loss.terms.isEmpty ? ["loss"] : loss.terms.indices.map { "loss\($0)" }
    }

    /// The term of a sum of losses that section "loss<i>" names.
    private func lossTermIndex(_ section: String) -> Int? {
        guard section.hasPrefix("loss"), let i = Int(section.dropFirst("loss".count)), let terms = loss?.terms, terms.indices.contains(i) else {
            return nil
        }
        return i
    }

    /// The index in `model.parts` of a model section ("backbone", "aggregator", "head", "attention<i>").
    package func modelPartIndex(_ section: String) -> Int? {
        guard let parts = model?.parts else { return nil }
        switch section {
        case "backbone": return parts.lastIndex { $0.role == .backbone }
        case "aggregator": return parts.lastIndex { $0.role == .aggregator }
        case "head": return parts.lastIndex { $0.role == .head }
        default:
            guard section.hasPrefix("attention"), let i = Int(section.dropFirst("attention".count)) else { return nil }
            let attentions = parts.indices.filter { if case .attention = parts[$0].role { true } else { false } }
            return attentions.indices.contains(i) ? attentions[i] : nil
        }
    }

    /// The registry name of a section's component, if the recipe has that section.
    public func componentName(_ section: String) -> String? {
        switch section {
        case "loss": return loss?.name
        case "sampler": return sampler?.name
        default:
            if let i = lossTermIndex(section) { return loss?.terms[i].name }
            return modelPartIndex(section).flatMap { model?.parts[$0].name }
        }
    }

    /// A component's parameters as the recipe sets them; for a model part, those of
    /// `view`'s branch when given (its `viewParameters` over the shared ones).
    public func componentParameters(_ section: String, view: CrossView? = nil) -> [String: ParameterValue] {
        switch section {
        case "loss": return loss?.parameters ?? [:]
        case "sampler": return sampler?.parameters ?? [:]
        default:
            if let i = lossTermIndex(section) { return loss?.terms[i].parameters ?? [:] }
            return modelPartIndex(section).flatMap { model?.parts[$0].parameters(for: view) } ?? [:]
        }
    }

    /// The parameters a model section sets for one branch only, by view.
    public func viewParameters(_ section: String) -> [CrossView: [String: ParameterValue]] {
        modelPartIndex(section).flatMap { model?.parts[$0].viewParameters } ?? [:]
    }

    /// Sets a section's component name (`parameter` nil) or one of its parameters.
    func setComponent(_ section: String, parameter: String?, view: CrossView? = nil, to value: ParameterValue) {
        if let view, let parameter {
            if let i = modelPartIndex(section) { model?.parts[i].viewParameters[view, default: [:]][parameter] = value }
            return
        }
        switch (section, parameter, value) {
        case ("loss", nil, .string(let name)): loss?.name = name
        case ("loss", let p?, _): loss?.parameters[p] = value
        case ("sampler", nil, .string(let name)): sampler?.name = name
        case ("sampler", let p?, _): sampler?.parameters[p] = value
        default:
            if let t = lossTermIndex(section) {
                if let parameter { loss?.terms[t].parameters[parameter] = value } else if case .string(let name) = value { loss?.terms[t].name = name }
                return
            }
            guard let i = modelPartIndex(section) else { return }
            if let parameter { model?.parts[i].parameters[parameter] = value } else if case .string(let name) = value { model?.parts[i].name = name }
        }
    }

    /// The recipe's dataset, or an error saying to add one.
    public func requireDataset() throws -> Dataset {
        guard let dataset else {
            throw GeoKitError("recipe \(name) has no dataset section", where: "recipe", remedy: "add Dataset.synthetic(...) or Dataset.cvusa(...)")
        }
        return dataset
    }

    /// The recipe's training settings, or an error saying to add them.
    public func requireTrain() throws -> Train {
        guard let train else {
            throw GeoKitError("recipe \(name) has no train section", where: "recipe", remedy: "add Train(epochs:batchSize:...)")
        }
        return train
    }
}
