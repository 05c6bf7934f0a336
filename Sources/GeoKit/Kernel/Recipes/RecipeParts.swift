import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// Anything that may appear in a `Recipe { ... }` body: it writes its
/// values into the recipe's settings under its own section name.
public protocol RecipePart {
    func contribute(to settings: inout RecipeSettings)
}

/// Collects the parts of a recipe body (plain statements, `if`, `for`).
@resultBuilder
public enum RecipeBuilder {
    public static func buildExpression(_ part: RecipePart) -> [RecipePart] { [part] }
    public static func buildBlock(_ parts: [RecipePart]...) -> [RecipePart] { parts.flatMap { $0 } }
    public static func buildOptional(_ parts: [RecipePart]?) -> [RecipePart] { parts ?? [] }
    public static func buildEither(first parts: [RecipePart]) -> [RecipePart] { parts }
    public static func buildEither(second parts: [RecipePart]) -> [RecipePart] { parts }
    public static func buildArray(_ parts: [[RecipePart]]) -> [RecipePart] { parts.flatMap { $0 } }
}

/// The loss, named by string (`loss:<name>` in the registry), with its parameters.
/// e.g. `Loss("mhnw", ["alpha": 10])`.
public struct Loss: RecipePart {
    public let name: String
    public let parameters: [String: ParameterValue]
    public init(_ name: String, _ parameters: [String: ParameterValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }
    public func contribute(to settings: inout RecipeSettings) {
        ComponentSection.write("loss", name, parameters, to: &settings)
    }
}

/// How each epoch's batches are composed (`sampler:<name>`), e.g. `Sampler("gps")`.
public struct Sampler: RecipePart {
    public let name: String
    public let parameters: [String: ParameterValue]
    public init(_ name: String, _ parameters: [String: ParameterValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }
    public func contribute(to settings: inout RecipeSettings) {
        ComponentSection.write("sampler", name, parameters, to: &settings)
    }
}

/// Evaluation on the held-out split: every `every` epochs (and after the
/// last), recall at the given Ks, R@1% and, where defined, AP.
public struct Evaluate: RecipePart {
    public enum Metric: Sendable {
        case recall(Int), recallPercent(Int), averagePrecision
    }
    public let every: Int
    public let metrics: [Metric]
    public init(every: Int = 1, metrics: [Metric] = [.recall(1), .recall(5), .recall(10), .recallPercent(1)]) {
        self.every = every
        self.metrics = metrics
    }
    public func contribute(to settings: inout RecipeSettings) {
        settings["evaluate.every"] = .int(every)
        var ks: [Int] = []
        for case .recall(let k) in metrics { ks.append(k) }
        settings["evaluate.ks"] = .intList(ks.isEmpty ? [1] : ks)
    }
}

/// Writes a component's `name` and parameters under `section.`.
enum ComponentSection {
    static func write(_ section: String, _ name: String, _ parameters: [String: ParameterValue], to settings: inout RecipeSettings) {
        settings["\(section).name"] = .string(name)
        for key in parameters.keys.sorted() { settings["\(section).\(key)"] = parameters[key] }
    }
}
