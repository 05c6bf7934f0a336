import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// The range of every numeric recipe value, checked once before a recipe's
/// model or data is built (so a `--set` typo or a bad recipe literal ends in
/// one message naming the value, not in a kernel precondition or a silent
/// wrong figure), and the choices of its string values.
extension Recipe {
    /// Bounds of each numeric value; an int list's elements are checked one by one.
    public static let valueBounds: [String: ParameterBounds] = [
        "dataset.locations": .between(2, 1_000_000),
        "dataset.seed": .atLeast(0),
        "dataset.testFraction": .strictlyBetween(0, 1),
        "dataset.droneViews": .between(1, 64),
        "dataset.colourJitter": .between(0, 1),
        "dataset.erasing": .between(0, 1),
        "dataset.groundHeight": .imageSide, "dataset.groundWidth": .imageSide,
        "dataset.aerialHeight": .imageSide, "dataset.aerialWidth": .imageSide, "dataset.aerialSize": .imageSide,
        "train.epochs": .between(1, 100_000),
        "train.batchSize": .between(2, 65_536),
        "train.accumulate": .between(1, 1024),
        "train.backboneLRScale": .between(0, 1000),
        "train.clipNorm": .atLeast(0),
        "train.seed": .atLeast(0),
        "train.lr": .aboveUpTo(0, 10),
        "train.momentum": ParameterBounds(lower: 0, inclusive: true, upper: 1, inclusive: false),
        "train.weightDecay": .between(0, 10),
        "train.warmupEpochs": .atLeast(0),
        "train.stepEpochs": .between(1, 100_000),
        "train.gamma": .aboveUpTo(0, 1),
        "evaluate.every": .between(1, 100_000),
        "evaluate.ks": .between(1, 1_000_000),
    ]

    /// The accepted texts of string values.
    public static let valueChoices: [String: [String]] = [
        "dataset.kind": ["synthetic", "cvusa", "university1652"],
        "dataset.difficulty": ["easy", "medium", "hard"],
        "dataset.layout": ["cvusa", "university"],
        "train.optimizer": ["sgd", "adam", "adamw"],
        "train.schedule": ["constant", "cosine", "step"],
    ]

    /// Refuses the first value outside its range or choices, naming it, and
    /// the first component parameter its schema refuses. `geokit run`,
    /// `eval`, `embed` and `search` call it (through the model builder)
    /// after `--set` overrides are applied.
    public func validate(registry: Registry = .shared) throws {
        let context = "recipe \(name)"
        for key in settings.names {
            let remedy = "set it in the recipe or with --set \(key)=VALUE"
            if let bounds = Recipe.valueBounds[key] {
                let numbers: [Double] = switch settings[key]! {
                case .int(let v): [Double(v)]
                case .double(let v): [v]
                case .intList(let v): v.map(Double.init)
                case .bool, .string: []
                }
                if settings[key]! == .intList([]) {
                    throw GeoKitError("\(key) must list at least one value", where: context, remedy: remedy)
                }
                for number in numbers { try bounds.check(number, key, where: context, remedy: remedy) }
            } else if case .double(let v) = settings[key]!, !v.isFinite, !componentSections.contains(where: { key.hasPrefix($0.section + ".") }) {
                // A component's own parameters are checked against its schema below.
                throw GeoKitError("\(key) must be a finite number, got \(v)", where: context, remedy: remedy)
            }
            if let choices = Recipe.valueChoices[key], case .string(let text) = settings[key]!, !choices.contains(text) {
                throw GeoKitError("\(key) must be one of \(choices.joined(separator: ", ")), got '\(text)'", where: context, remedy: remedy)
            }
        }
        if settings["dataset.kind"] == .string("synthetic") { _ = try SyntheticWorldCache.options(settings: settings) }
        for (section, kind) in componentSections {
            let entry: Registry.Entry
            do { entry = try registry.entry(kind, settings.string("\(section).name")) } catch let error as GeoKitError {
                throw GeoKitError(error.what, where: "\(context), \(section)", remedy: error.remedy)
            }
            do {
                _ = try ComponentParameters(componentParameters(section), schema: entry.parameters, component: entry.qualifiedName)
            } catch let error as GeoKitError {
                // The schema's remedy names the parameter ("pass e.g. p=3.0 ..."); in a recipe it is set as section.p.
                let remedy = error.remedy.hasPrefix("pass e.g. ")
                    ? "set it in the recipe or with e.g. --set \(section)." + error.remedy.dropFirst("pass e.g. ".count) : error.remedy
                throw GeoKitError(error.what, where: "\(context), \(section)", remedy: remedy)
            }
        }
    }
}
