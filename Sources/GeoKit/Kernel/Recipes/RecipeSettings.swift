import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// One named, typed recipe value that `--set NAME=VALUE` writes and
/// `geokit run --dry` prints: its type, what it means, what it accepts and
/// its default, with a typed reader and writer of the recipe's parts. The
/// parts stay the storage (the trainer reads `recipe.train.optimizer`, not a
/// string); this table is the one way in from the command line.
public struct RecipeSetting: @unchecked Sendable {
    public enum Accepted: Sendable {
        case anyValue
        case bounds(ParameterBounds)
        case choices([String])

    }

    public let name: String
    public let type: ParameterType
    public let doc: String
    public let accepted: Accepted
    /// The DSL's default; nil when the recipe must give the value.
    public let defaultValue: ParameterValue?
    /// When the value exists, if not whenever its part does ("optimizer sgd").
    public let condition: String?
    /// The recipe's value, nil when its part is absent or the condition does not hold.
    let read: (Recipe) -> ParameterValue?
    /// Stores an already checked value.
    let write: (Recipe, ParameterValue) throws -> Void

    /// What the setting accepts: "an int in [1, 100000]", "one of easy, medium, hard", "true or false".
    public var acceptedDescription: String {
        if case .choices(let choices) = accepted { return "one of " + choices.joined(separator: ", ") }
        let noun =
            switch type {
            case .int: "an int"
            case .double: "a number"
            case .bool: "true or false"
            case .string: "a string"
            case .intList: "a comma-separated list of ints"
            }
        if case .bounds(let bounds) = accepted { return noun + " " + bounds.description }
        return noun
    }

    /// The recipe's value of this setting, if it has one.
    public func value(in recipe: Recipe) -> ParameterValue? { read(recipe) }

    /// Parses `text` as this setting's type, checks it against `accepted`
    /// and writes it: one error names the setting, the value and what is accepted.
    func assign(_ text: String, to recipe: Recipe, assignment: String) throws {
        let place = "--set \(assignment), recipe \(recipe.name)"
        guard read(recipe) != nil else {
            throw GeoKitError(
                "\(name) does not apply to recipe \(recipe.name)" + (condition.map { " (it exists with \($0))" } ?? ""),
                where: place, remedy: "remove the --set, or change the recipe to have it")
        }
        let parsed: ParameterValue? = type == .double && Int(text) != nil ? .double(Double(Int(text)!)) : ParameterValue.parse(text, as: type)
        let example = defaultValue ?? read(recipe)!
        guard let value = parsed, acceptable(value) else {
            throw GeoKitError(
                "\(name) must be \(acceptedDescription), got '\(text)'", where: place,
                remedy: "\(name): \(doc); e.g. --set \(name)=\(example)")
        }
        try write(recipe, value)
    }

    /// Whether a value of the right type is within the bounds or among the choices (finite, for a double).
    func acceptable(_ value: ParameterValue) -> Bool {
        switch (accepted, value) {
        case (.bounds(let b), .int(let v)): b.contains(Double(v))
        case (.bounds(let b), .double(let v)): b.contains(v)
        case (.choices(let c), .string(let v)): c.contains(v)
        case (_, .double(let v)): v.isFinite
        default: true
        }
    }
}

/// Swift values a setting holds, and their `ParameterValue` form.
protocol RecipeSettingValue {
    static var parameterType: ParameterType { get }
    var parameterValue: ParameterValue { get }
    init?(_ value: ParameterValue)
}

extension Int: RecipeSettingValue {
    static var parameterType: ParameterType { .int }
    var parameterValue: ParameterValue { .int(self) }
    init?(_ value: ParameterValue) { guard case .int(let v) = value else { return nil }; self = v }
}

extension Double: RecipeSettingValue {
    static var parameterType: ParameterType { .double }
    var parameterValue: ParameterValue { .double(self) }
    init?(_ value: ParameterValue) {
        switch value {
        case .double(let v): self = v
        case .int(let v): self = Double(v)
        default: return nil
        }
    }
}

extension Bool: RecipeSettingValue {
    static var parameterType: ParameterType { .bool }
    var parameterValue: ParameterValue { .bool(self) }
    init?(_ value: ParameterValue) { guard case .bool(let v) = value else { return nil }; self = v }
}

extension String: RecipeSettingValue {
    static var parameterType: ParameterType { .string }
    var parameterValue: ParameterValue { .string(self) }
    init?(_ value: ParameterValue) { guard case .string(let v) = value else { return nil }; self = v }
}

/// A choice written by its raw name (`dataset.difficulty=hard`).
protocol RecipeSettingChoice: RecipeSettingValue, RawRepresentable<String>, CaseIterable {}

extension RecipeSettingChoice {
    static var parameterType: ParameterType { .string }
    var parameterValue: ParameterValue { .string(rawValue) }
    init?(_ value: ParameterValue) { guard case .string(let v) = value, let c = Self(rawValue: v) else { return nil }; self = c }
    static var choices: RecipeSetting.Accepted { .choices(allCases.map(\.rawValue)) }
}

extension SynthOptions.Difficulty: RecipeSettingChoice {}
extension SynthOptions.Layout: RecipeSettingChoice {}
extension Dataset.Kind: RecipeSettingChoice {}
extension CVACTDataset.EvaluationSplit: RecipeSettingChoice {}
extension VIGORDataset.Area: RecipeSettingChoice {}
extension Evaluate.PercentConvention: RecipeSettingChoice {}
extension Evaluate.GalleryConvention: RecipeSettingChoice {}

extension RecipeSetting {
    /// A stored value of a part (`\Recipe.dataset`, `\Dataset.locations`), present when the part is.
    static func field<Part, Value: RecipeSettingValue>(
        _ name: String, _ part: ReferenceWritableKeyPath<Recipe, Part?>, _ field: WritableKeyPath<Part, Value>, _ doc: String,
        _ accepted: Accepted = .anyValue, default defaultValue: Value?, when condition: String? = nil, applies: @escaping (Part) -> Bool = { _ in true }
    ) -> RecipeSetting {
        RecipeSetting(
            name: name, type: Value.parameterType, doc: doc, accepted: accepted, defaultValue: defaultValue?.parameterValue,
            condition: condition,
            read: { recipe in recipe[keyPath: part].flatMap { applies($0) ? $0[keyPath: field].parameterValue : nil } },
            write: { recipe, value in if let v = Value(value) { recipe[keyPath: part]?[keyPath: field] = v } })
    }

    static func dataset<Value: RecipeSettingValue>(
        _ key: String, _ field: WritableKeyPath<Dataset, Value>, _ doc: String,
        _ accepted: Accepted = .anyValue, default defaultValue: Value?,
        syntheticOnly: Bool = false
    ) -> RecipeSetting {
        .field(
            "dataset.\(key)", \Recipe.dataset, field, doc, accepted, default: defaultValue,
            when: syntheticOnly ? "Dataset.synthetic" : nil, applies: { !syntheticOnly || $0.kind == .synthetic })
    }

    /// A dataset value that University-1652 layouts alone read (the dataset's, or the synthetic world's in it).
    static func university<Value: RecipeSettingValue>(
        _ key: String, _ field: WritableKeyPath<Dataset, Value>, _ doc: String, _ accepted: Accepted, default defaultValue: Value
    ) -> RecipeSetting {
        .field(
            "dataset.\(key)", \Recipe.dataset, field, "University-1652: " + doc, accepted, default: defaultValue,
            when: "a University-1652 layout", applies: { $0.isUniversityLayout })
    }

    static func train<Value: RecipeSettingValue>(
        _ key: String, _ field: WritableKeyPath<Train, Value>, _ doc: String,
        _ accepted: Accepted = .anyValue, default defaultValue: Value?
    ) -> RecipeSetting {
        .field("train.\(key)", \Recipe.train, field, doc, accepted, default: defaultValue)
    }

    /// A value of the optimiser's case (`sgd` only, for momentum and nesterov).
    static func sgd<Value: RecipeSettingValue>(
        _ key: String, _ doc: String, _ accepted: Accepted, default defaultValue: Value,
        get: @escaping (Train.Optimizer) -> Value?,
        set: @escaping (inout Train.Optimizer, Value) -> Void
    ) -> RecipeSetting {
        RecipeSetting(
            name: "train.\(key)", type: Value.parameterType, doc: doc, accepted: accepted, defaultValue: defaultValue.parameterValue,
            condition: "optimizer .sgd", read: { $0.train.flatMap { get($0.optimizer)?.parameterValue } },
            write: { recipe, value in if let v = Value(value), var train = recipe.train { set(&train.optimizer, v); recipe.train = train } })
    }

    /// A value of the schedule's case, present when the case has it.
    static func schedule<Value: RecipeSettingValue>(
        _ key: String, _ doc: String, _ accepted: Accepted, default defaultValue: Value?,
        when condition: String, get: @escaping (Train.Schedule) -> Value?,
        set: @escaping (Train.Schedule, Value) -> Train.Schedule
    ) -> RecipeSetting {
        RecipeSetting(
            name: "train.\(key)", type: Value.parameterType, doc: doc, accepted: accepted, defaultValue: defaultValue?.parameterValue,
            condition: condition, read: { $0.train.flatMap { get($0.schedule)?.parameterValue } },
            write: { recipe, value in if let v = Value(value), let s = recipe.train?.schedule { recipe.train?.schedule = set(s, v) } })
    }

    /// A component's registry name.
    static func componentName(_ section: String, _ doc: String) -> RecipeSetting {
        RecipeSetting(
            name: "\(section).name", type: .string, doc: doc, accepted: .anyValue, defaultValue: nil, condition: nil,
            read: { $0.componentName(section).map(ParameterValue.string) },
            write: { recipe, value in recipe.setComponent(section, parameter: nil, to: value) })
    }

    /// A value of the backbone's pretrained weights (present when the backbone names a file, except `weights` itself).
    static func weights<Value: RecipeSettingValue>(
        _ key: String, _ doc: String, default defaultValue: Value?,
        _ get: @escaping (PretrainedWeights) -> Value,
        _ set: @escaping (inout PretrainedWeights, Value) -> Void
    ) -> RecipeSetting {
        RecipeSetting(
            name: "backbone.\(key)", type: Value.parameterType, doc: doc, accepted: .anyValue, defaultValue: defaultValue?.parameterValue,
            condition: "Backbone(..., weights:)",
            read: { recipe in recipe.modelPartIndex("backbone").flatMap { recipe.model?.parts[$0].weights }.map { get($0).parameterValue } },
            write: { recipe, value in
                guard let i = recipe.modelPartIndex("backbone"), var weights = recipe.model?.parts[i].weights, let v = Value(value) else { return }
                set(&weights, v)
                recipe.model?.parts[i].weights = weights
            })
    }

    /// Every recipe value but the attention sections' (`attentionSettings`) and the components' schema parameters.
    public static let table: [RecipeSetting] = [
        .dataset("kind", \.kind, "where the pairs come from", Dataset.Kind.choices, default: nil),
        .dataset("root", \.root, "the dataset directory (synthetic: empty for the world cache)", default: ""),
        .dataset("locations", \.locations, "locations in the synthetic world", .bounds(.between(2, 1_000_000)), default: 400, syntheticOnly: true),
        .dataset(
            "difficulty", \.difficulty, "how hard the synthetic world's views are to match", SynthOptions.Difficulty.choices,
            default: .medium, syntheticOnly: true),
        .dataset("seed", \.seed, "the synthetic world's seed", .bounds(.atLeast(0)), default: 0, syntheticOnly: true),
        .dataset(
            "testFraction", \.testFraction, "the share of locations held out", .bounds(.strictlyBetween(0, 1)), default: 0.2,
            syntheticOnly: true),
        .dataset("sameArea", \.sameArea, "draw held-out locations from the training area", default: false, syntheticOnly: true),
        .dataset(
            "layout", \.layout, "the synthetic world's layout (cvusa, university: University-1652's, cvact, vigor)", SynthOptions.Layout.choices,
            default: .cvusa, syntheticOnly: true),
        .dataset(
            "droneViews", \.droneViews, "drone views per location (layout university)", .bounds(.between(1, 64)), default: 6,
            syntheticOnly: true),
        .dataset(
            "evaluation", \.evaluation, "CVACT's held-out split: val (valSet) or test (valSetAll)", CVACTDataset.EvaluationSplit.choices,
            default: .val),
        .dataset("area", \.area, "VIGOR's split: same (all four cities) or cross (train NewYork, Seattle)", VIGORDataset.Area.choices, default: .same),
        .dataset(
            "augment", \.augment,
            "flip both views together and turn the aerial tile by quarter turns (University-1652: pad-crop, rotate, flip each view)",
            default: true),
        .dataset("colourJitter", \.colourJitter, "colour jitter strength of each view", .bounds(.between(0, 1)), default: 0),
        .dataset("erasing", \.erasing, "probability of erasing a random rectangle of each view", .bounds(.between(0, 1)), default: 0),
        .university("views", \.views, "the views trained: 2 (drone, satellite) or 3 (and street)", .bounds(.between(2, 3)), default: 2),
        .university("pad", \.pad, "edge pixels padded before the random crop back", .bounds(.between(0, 512)), default: 10),
        .university(
            "droneRotation", \.droneRotation, "largest random rotation of drone and street images, degrees", .bounds(.between(0, 180)),
            default: 0),
        .university(
            "satelliteRotation", \.satelliteRotation, "largest random rotation of satellite images, degrees", .bounds(.between(0, 180)),
            default: 90),
        .dataset("groundHeight", \.groundHeight, "ground (or drone) view height", .bounds(.imageSide), default: nil),
        .dataset("groundWidth", \.groundWidth, "ground (or drone) view width", .bounds(.imageSide), default: nil),
        .dataset("polar", \.polar, "polar-transform the aerial tile (aerial: .polar)", default: nil),
        .dataset("aerialHeight", \.aerialHeight, "aerial view height", .bounds(.imageSide), default: nil),
        .dataset("aerialWidth", \.aerialWidth, "aerial view width", .bounds(.imageSide), default: nil),
        .dataset("aerialSize", \.aerialSize, "the square aerial tile size before the polar transform", .bounds(.imageSide), default: nil),
        .field(
            "model.shareWeights", \Recipe.model, \.shareWeights, "one network for both views (false: two of the same architecture)",
            default: true),
        .componentName("backbone", "the backbone (geokit plugins lists them)"),
        RecipeSetting(
            name: "backbone.weights", type: .string,
            doc: "pretrained backbone weights (.safetensors, .pth, .bin; empty: none); --set takes a path relative to the working directory",
            accepted: .anyValue, defaultValue: .string(""), condition: nil,
            read: { recipe in recipe.modelPartIndex("backbone").map { .string(recipe.model?.parts[$0].weights?.path ?? "") } },
            write: { recipe, value in
                guard let i = recipe.modelPartIndex("backbone"), case .string(let path) = value else { return }
                if path.isEmpty { recipe.model?.parts[i].weights = nil; return }
                var weights = recipe.model?.parts[i].weights ?? PretrainedWeights(path: path, strict: false)
                weights.path = path
                recipe.model?.parts[i].weights = weights
            }),
        .weights("strict", "require the file's keys to be exactly the backbone's", default: false, \.strict) { $0.strict = $1 },
        .weights("stripPrefix", "a prefix removed from the file's keys (e.g. module.)", default: "", { $0.stripPrefix ?? "" }) {
            $0.stripPrefix = $1.isEmpty ? nil : $1
        },
        .weights("addPrefix", "a prefix put before every key of the file", default: "", { $0.addPrefix ?? "" }) {
            $0.addPrefix = $1.isEmpty ? nil : $1
        },
        .componentName("aggregator", "the aggregator"),
        .componentName("loss", "the loss"),
        .componentName("sampler", "the batch sampler"),
        .train("epochs", \.epochs, "training epochs", .bounds(.between(1, 100_000)), default: nil),
        .train("batchSize", \.batchSize, "pairs per batch", .bounds(.between(2, 65_536)), default: nil),
        RecipeSetting(
            name: "train.optimizer", type: .string, doc: "the optimiser (switching keeps lr and weightDecay)",
            accepted: .choices(["sgd", "adam", "adamw"]), defaultValue: .string("adamw"), condition: nil,
            read: { $0.train.map { .string($0.optimizer.name) } },
            write: { recipe, value in
                guard case .string(let name) = value, let current = recipe.train?.optimizer, name != current.name else { return }
                recipe.train?.optimizer = current.switched(to: name) ?? current
            }),
        .train("lr", \.optimizer.lr, "the learning rate", .bounds(.aboveUpTo(0, 10)), default: nil),
        .train("weightDecay", \.optimizer.weightDecay, "weight decay", .bounds(.between(0, 10)), default: nil),
        .sgd(
            "momentum", "SGD's momentum", .bounds(ParameterBounds(lower: 0, inclusive: true, upper: 1, inclusive: false)), default: 0.9,
            get: { if case .sgd(_, let m, _, _) = $0 { m } else { nil } },
            set: { if case .sgd(let lr, _, let n, let wd) = $0 { $0 = .sgd(lr: lr, momentum: $1, nesterov: n, weightDecay: wd) } }),
        .sgd(
            "nesterov", "Nesterov momentum", .anyValue, default: true,
            get: { if case .sgd(_, _, let n, _) = $0 { n } else { nil } },
            set: { if case .sgd(let lr, let m, _, let wd) = $0 { $0 = .sgd(lr: lr, momentum: m, nesterov: $1, weightDecay: wd) } }),
        RecipeSetting(
            name: "train.schedule", type: .string, doc: "the learning-rate schedule (step needs .step(stepEpochs:) in the recipe)",
            accepted: .choices(["constant", "cosine", "step"]), defaultValue: .string("cosine"), condition: nil,
            read: { $0.train.map { .string($0.schedule.name) } },
            write: { recipe, value in
                guard case .string(let name) = value, let current = recipe.train?.schedule, name != current.name else { return }
                switch name {
                case "constant": recipe.train?.schedule = .constant
                case "cosine": recipe.train?.schedule = .cosine(warmupEpochs: current.warmupEpochs ?? 1)
                default:
                    throw GeoKitError(
                        "train.schedule=step needs its step length", where: "--set train.schedule=step",
                        remedy: "write schedule: .step(stepEpochs: N) in the recipe")
                }
            }),
        .schedule(
            "warmupEpochs", "epochs of linear warm-up (fractions allowed)", .bounds(.atLeast(0)), default: 1,
            when: "schedule .cosine or .step", get: { $0.warmupEpochs }
        ) { schedule, w in
            switch schedule {
            case .constant: .constant
            case .cosine: .cosine(warmupEpochs: w)
            case .step(let e, let g, _): .step(stepEpochs: e, gamma: g, warmupEpochs: w)
            }
        },
        .schedule(
            "stepEpochs", "epochs between learning-rate steps", .bounds(.between(1, 100_000)), default: nil,
            when: "schedule .step", get: { if case .step(let e, _, _) = $0 { e } else { nil } }
        ) { schedule, e in
            if case .step(_, let g, let w) = schedule { .step(stepEpochs: e, gamma: g, warmupEpochs: w) } else { schedule }
        },
        .schedule(
            "gamma", "the factor of each learning-rate step", .bounds(.aboveUpTo(0, 1)), default: 0.1,
            when: "schedule .step", get: { if case .step(_, let g, _) = $0 { g } else { nil } }
        ) { schedule, g in
            if case .step(let e, _, let w) = schedule { .step(stepEpochs: e, gamma: g, warmupEpochs: w) } else { schedule }
        },
        .train("accumulate", \.accumulate, "batches per optimiser step", .bounds(.between(1, 1024)), default: 1),
        .train("backboneLRScale", \.backboneLRScale, "the backbone group's learning-rate factor", .bounds(.between(0, 1000)), default: 1),
        .train("clipNorm", \.clipNorm, "clip the gradient norm to this (0: no clipping)", .bounds(.atLeast(0)), default: 0),
        .train("seed", \.seed, "the seed of every random choice (weights, batches, augmentation, dropout)", .bounds(.atLeast(0)), default: 0),
        .train(
            "microBatch", \.microBatch, "gradient caching: pairs embedded at a time, the loss over the whole batch (0: off)",
            .bounds(.between(0, 1_000_000)), default: 0),
        .train("syncBatchNorm", \.syncBatchNorm, "BatchNorm statistics over all mpirun ranks' batch shares", default: false),
        RecipeSetting(
            name: "evaluate.every", type: .int, doc: "evaluate every N epochs (and after the last)",
            accepted: .bounds(.between(1, 100_000)), defaultValue: .int(1), condition: nil,
            read: { .int($0.evaluation.every) },
            write: { recipe, value in if case .int(let v) = value { recipe.evaluation.every = v } }),
        RecipeSetting(
            name: "evaluate.metrics", type: .string, doc: "the metrics, in order, comma-separated: R@K, R@P% (P in 1...100), AP",
            accepted: .anyValue, defaultValue: .string("R@1,R@5,R@10,R@1% (and AP for University-1652)"), condition: nil,
            read: { .string($0.evaluation.metrics(for: $0.dataset).map(\.description).joined(separator: ",")) },
            write: { recipe, value in
                guard case .string(let text) = value else { return }
                var metrics: [Evaluate.Metric] = []
                for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let metric = Evaluate.Metric(item.trimmingCharacters(in: .whitespaces)) else {
                        throw GeoKitError(
                            "evaluate.metrics must be a comma-separated list of R@K, R@P% and AP, got '\(text)' ('\(item)' is none of them)",
                            where: "--set evaluate.metrics=\(text), recipe \(recipe.name)", remedy: "e.g. --set evaluate.metrics=R@1,R@5,R@1%,AP")
                    }
                    metrics.append(metric)
                }
                recipe.evaluation.metrics = metrics
            }),
        RecipeSetting(
            name: "evaluate.percentConvention", type: .string,
            doc: "how R@P% rounds K from P% of the gallery: ceiling (GeoKit), safa (floor + 1) or sample4geo (round half to even)",
            accepted: Evaluate.PercentConvention.choices, defaultValue: .string("ceiling"), condition: nil,
            read: { .string($0.evaluation.percentConvention.rawValue) },
            write: { recipe, value in
                if case .string(let v) = value, let c = Evaluate.PercentConvention(rawValue: v) { recipe.evaluation.percentConvention = c }
            }),
        RecipeSetting(
            name: "evaluate.best", type: .string,
            doc: "the figure whose improvement rewrites best.safetensors (R@1, AP, or a University-1652 direction's: S->D AP)",
            accepted: .anyValue, defaultValue: .string("the first R@K of evaluate.metrics"), condition: nil,
            read: { .string($0.evaluation.best ?? "the first R@K") },
            write: { recipe, value in if case .string(let v) = value { recipe.evaluation.best = v } }),
        RecipeSetting(
            name: "evaluate.flipTTA", type: .bool,
            doc: "flip test-time augmentation: each descriptor the normalised mean of the image's and its mirror's",
            accepted: .anyValue, defaultValue: .bool(false), condition: nil,
            read: { .bool($0.evaluation.flipTTA) },
            write: { recipe, value in if case .bool(let v) = value { recipe.evaluation.flipTTA = v } }),
        RecipeSetting(
            name: "evaluate.gallery", type: .string,
            doc: "University-1652's gallery: original (every image, distractors too) or sample4geo (locations no query has are junk)",
            accepted: Evaluate.GalleryConvention.choices, defaultValue: .string("original"), condition: nil,
            read: { .string($0.evaluation.gallery.rawValue) },
            write: { recipe, value in
                if case .string(let v) = value, let c = Evaluate.GalleryConvention(rawValue: v) { recipe.evaluation.gallery = c }
            })
    ]

    /// The settings of attention section `attention<index>`: its name and its insertion point.
    static func attentionSettings(_ index: Int) -> [RecipeSetting] {
        let section = "attention\(index)"
        return [
            .componentName(section, "the attention module"),
            RecipeSetting(
                name: "\(section).at", type: .string, doc: "the insertion point: output, or a stage of the backbone",
                accepted: .anyValue, defaultValue: .string("output"), condition: nil,
                read: { recipe in
                    recipe.modelPartIndex(section).flatMap { i -> ParameterValue? in
                        if case .attention(let at)? = recipe.model?.parts[i].role { .string(at) } else { nil }
                    }
                },
                write: { recipe, value in
                    if let i = recipe.modelPartIndex(section), case .string(let at) = value { recipe.model?.parts[i].role = .attention(at: at) }
                })
        ]
    }
}

extension Recipe {
    /// The settings of this recipe: the table, with each of its attention sections'.
    public var settingsTable: [RecipeSetting] {
        let attentions = componentSections.filter { $0.kind == .attention }.count
        return RecipeSetting.table + (0..<attentions).flatMap(RecipeSetting.attentionSettings)
    }

    /// Applies `name=value` overrides: a name of `settingsTable`, or a
    /// parameter in the schema of a component the recipe names (checked
    /// against that schema). Anything else is one error naming the nearest
    /// valid names.
    public func override(_ assignments: [String], registry: Registry = .shared) throws {
        for assignment in assignments {
            guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
                throw GeoKitError("'\(assignment)' is not name=value", where: "--set", remedy: "write e.g. --set train.epochs=2")
            }
            let key = String(assignment[..<eq]), text = String(assignment[assignment.index(after: eq)...])
            if let setting = settingsTable.first(where: { $0.name == key }) {
                let value =
                    key == "backbone.weights" && !text.isEmpty
                    ? URL(fileURLWithPath: text).standardizedFileURL.path : text  // a command-line path is the working directory's
                try setting.assign(value, to: self, assignment: assignment)
                continue
            }
            // section.NAME, or section.ground.NAME / section.aerial.NAME for one branch of a model part.
            let pieces = key.split(separator: ".", maxSplits: 2).map(String.init)
            let view = pieces.count == 3 ? CrossView(rawValue: pieces[1]) : nil
            let parameter = view == nil ? pieces.dropFirst().joined(separator: ".") : pieces[2]
            guard pieces.count >= 2, let (section, kind) = componentSections.first(where: { $0.section == pieces[0] }),
                view == nil || modelPartIndex(section) != nil, let componentName = componentName(section),
                let spec = try registry.entry(kind, componentName).parameters.first(where: { $0.name == parameter })
            else {
                let names = try validNames(registry: registry).map(\.name)
                let nearest = names.sorted { EditDistance.between($0, key) < EditDistance.between($1, key) }.prefix(3)
                throw GeoKitError(
                    "recipe \(name) has no value '\(key)'", where: "--set \(assignment), recipe \(name)",
                    remedy: "did you mean " + nearest.joined(separator: ", ") + "? (geokit run --dry FILE lists every name)")
            }
            let parsed: ParameterValue? = spec.type == .double && Int(text) != nil ? .double(Double(Int(text)!)) : ParameterValue.parse(text, as: spec.type)
            guard let value = parsed, (try? ComponentParameters([spec.name: value], schema: [spec], component: componentName)) != nil else {
                let noun = ["int": "an int", "double": "a number", "bool": "true or false", "string": "a string"][spec.type.rawValue] ?? spec.type.rawValue
                let accepted = spec.choices.map { "one of " + $0.joined(separator: ", ") } ?? noun + (spec.bounds.map { " \($0)" } ?? "")
                throw GeoKitError(
                    "\(key) must be \(accepted), got '\(text)'", where: "--set \(assignment), recipe \(name)",
                    remedy: "\(kind.rawValue):\(componentName)'s \(spec.name): \(spec.doc); e.g. --set \(key)=\(spec.defaultValue)")
            }
            setComponent(section, parameter: spec.name, view: view, to: value)
        }
    }

    /// What `geokit run --dry` prints: each name `--set` accepts with the
    /// recipe's value, its type and accepted values, and what it means.
    public func settingsListing(registry: Registry = .shared) throws -> [String] {
        var lines = settingsTable.compactMap { setting in
            setting.read(self).map { "\(setting.name) = \($0)  [\(setting.acceptedDescription)]  \(setting.doc)" }
        }
        for (section, kind) in componentSections {
            guard let name = componentName(section), let entry = try? registry.entry(kind, name) else { continue }
            let given = componentParameters(section)
            for spec in entry.parameters {
                let value = given[spec.name].map { "\($0)" } ?? "\(spec.defaultValue) (default)"
                lines.append("\(section).\(spec.name) = \(value)  [\(spec.type.rawValue)\(spec.constraint.map { " \($0)" } ?? "")]  \(spec.doc)")
            }
            for (view, own) in viewParameters(section).sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                for spec in entry.parameters {
                    if let value = own[spec.name] {
                        lines.append("\(section).\(view.rawValue).\(spec.name) = \(value)  [\(spec.type.rawValue)]  the \(view.rawValue) branch's \(spec.name)")
                    }
                }
            }
        }
        return lines
    }

    /// Every name `--set` accepts for this recipe, with its type: the
    /// settings that apply to it, then each named component's schema parameters.
    public func validNames(registry: Registry = .shared) throws -> [(name: String, type: ParameterType)] {
        var result = settingsTable.filter { $0.read(self) != nil }.map { ($0.name, $0.type) }
        for (section, kind) in componentSections {
            guard let name = componentName(section), let entry = try? registry.entry(kind, name) else { continue }
            for spec in entry.parameters { result.append(("\(section).\(spec.name)", spec.type)) }
        }
        return result
    }
}

/// Levenshtein distance, for "did you mean" lists.
enum EditDistance {
    static func between(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in 1...b.count {
                let substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)
                diagonal = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, substitution)
            }
        }
        return row[b.count]
    }
}
