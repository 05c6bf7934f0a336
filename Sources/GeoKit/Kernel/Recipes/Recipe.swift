import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// A training recipe: a name and its settings, assembled by the DSL.
///
/// ```swift
/// import GeoKit
/// let recipe = Recipe("quickstart") {
///     Dataset.synthetic(locations: 400, ground: .panorama(64, 256), aerial: .polar(64, 256))
///     Model(shareWeights: true) { Backbone("resnet18"); Aggregator("gem") }
///     Loss("infonce")
///     Sampler("gps")
///     Train(epochs: 8, batchSize: 32, optimizer: .adamW(lr: 1e-3))
///     Evaluate(every: 1)
/// }
/// ```
///
/// `geokit run FILE.swift` compiles the file and runs the global `recipe`.
/// Every value has a dotted name (`train.epochs`, `loss.alpha`,
/// `dataset.locations`) that `--set name=value` overrides.
public final class Recipe {
    public let name: String
    public private(set) var settings: RecipeSettings

    public init(_ name: String, @RecipeBuilder _ body: () -> [RecipePart]) {
        self.name = name
        var settings = RecipeSettings()
        for part in body() { part.contribute(to: &settings) }
        self.settings = settings
    }

    /// The component sections of a recipe: (section, kind) such as ("loss", .loss), ("attention0", .attention).
    public var componentSections: [(section: String, kind: ComponentKind)] {
        var sections: [(String, ComponentKind)] = []
        if settings["backbone.name"] != nil { sections.append(("backbone", .backbone)) }
        var i = 0
        while settings["attention\(i).name"] != nil { sections.append(("attention\(i)", .attention)); i += 1 }
        for (section, kind) in [("aggregator", ComponentKind.aggregator), ("loss", .loss), ("sampler", .sampler)]
        where settings["\(section).name"] != nil { sections.append((section, kind)) }
        return sections
    }

    /// Applies `name=value` overrides. A name must be a recipe value or a
    /// parameter in the schema of a component the recipe names; anything
    /// else is an error listing the valid names. Values are parsed as the
    /// type of the value they replace.
    public func override(_ assignments: [String], registry: Registry = .shared) throws {
        for assignment in assignments {
            guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
                throw GeoKitError("'\(assignment)' is not name=value", where: "--set", remedy: "write e.g. --set train.epochs=2")
            }
            let key = String(assignment[..<eq]), text = String(assignment[assignment.index(after: eq)...])
            let valid = try validNames(registry: registry)
            guard let type = valid.first(where: { $0.name == key })?.type else {
                throw GeoKitError("recipe \(name) has no value '\(key)'", where: "--set \(assignment)",
                                  remedy: "valid names: " + valid.map { "\($0.name) (\($0.type.rawValue))" }.joined(separator: ", "))
            }
            let value: ParameterValue?
            if type == .double, let i = Int(text) { value = .double(Double(i)) } else { value = ParameterValue.parse(text, as: type) }
            guard let value else {
                throw GeoKitError("'\(key)' must be \(type.rawValue), got '\(text)'", where: "--set \(assignment)",
                                  remedy: "pass e.g. \(key)=\(settings[key] ?? .string("..."))")
            }
            settings[key] = value
        }
    }

    /// Every name `--set` accepts, with its type: the recipe's own values,
    /// then each named component's schema parameters not already set.
    public func validNames(registry: Registry = .shared) throws -> [(name: String, type: ParameterType)] {
        var result = settings.names.map { ($0, settings[$0]!.type) }
        for (section, kind) in componentSections {
            let entry = try registry.entry(kind, settings.string("\(section).name"))
            for spec in entry.parameters where settings["\(section).\(spec.name)"] == nil {
                result.append(("\(section).\(spec.name)", spec.type))
            }
        }
        return result
    }

    /// A component's parameters as the recipe sets them (name and placement excluded).
    public func componentParameters(_ section: String) -> [String: ParameterValue] {
        var parameters = settings.section(section)
        parameters["name"] = nil
        if section.hasPrefix("attention") { parameters["at"] = nil }
        return parameters
    }
}
