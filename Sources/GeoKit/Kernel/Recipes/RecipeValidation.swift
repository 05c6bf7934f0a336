import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitSynth

/// Every recipe value checked once before a recipe's model or data is built
/// (so a bad recipe literal ends in one message naming the value, not in a
/// kernel precondition or a silent wrong figure). `--set` checks its value
/// as it writes it; this covers what the recipe's own Swift wrote.
extension Recipe {
    /// Refuses the first value outside what its setting accepts (`RecipeSetting.table`),
    /// a metric list that cannot be reported, a model with two backbones or aggregators,
    /// and the first component parameter its schema refuses. `geokit run`,
    /// `eval`, `embed` and `search` call it (through the model builder)
    /// after `--set` overrides are applied.
    public func validate(registry: Registry = .shared) throws {
        let context = "recipe \(name)"
        for setting in settingsTable {
            guard let value = setting.read(self), !setting.acceptable(value) else { continue }
            let remedy = "set it in the recipe or with --set \(setting.name)=VALUE"
            switch (setting.accepted, value) {
            case (.bounds(let bounds), .int(let v)): try bounds.check(Double(v), setting.name, where: context, remedy: remedy)
            case (.bounds(let bounds), .double(let v)): try bounds.check(v, setting.name, where: context, remedy: remedy)
            default: break
            }
            throw GeoKitError("\(setting.name) must be \(setting.acceptedDescription), got \(value)", where: context, remedy: remedy)
        }
        try validateMetrics(context: context)
        for (role, word) in [(ModelPart.Role.backbone, "Backbone"), (.aggregator, "Aggregator"), (.head, "Head")] {
            let count = model?.parts.filter { $0.role == role }.count ?? 0
            if count > 1 {
                throw GeoKitError(
                    "the model names \(count) \(word.lowercased())s, one is used", where: "\(context), Model { ... }", remedy: "keep one \(word)(...)")
            }
        }
        try validateLossTerms(context: context)
        for part in model?.parts ?? [] where part.weights != nil && part.role != .backbone {
            throw GeoKitError("only a backbone takes pretrained weights", where: "\(context), \(part.name)", remedy: "remove weights:")
        }
        if let weights = model?.parts.first(where: { $0.role == .backbone })?.weights, weights.path.isEmpty {
            throw GeoKitError("backbone.weights is an empty path", where: context, remedy: "name a .safetensors, .pth or .bin file")
        }
        if let dataset, dataset.kind == .synthetic { _ = try SyntheticWorldCache.options(dataset: dataset) }
        for (section, kind) in componentSections {
            let entry: Registry.Entry
            do { entry = try registry.entry(kind, componentName(section) ?? "") } catch let error as GeoKitError {
                throw GeoKitError(error.what, where: "\(context), \(section)", remedy: error.remedy)
            }
            let perView = viewParameters(section)
            if !perView.isEmpty, model?.shareWeights ?? true {
                throw GeoKitError(
                    "\(section) sets \(perView.keys.map(\.rawValue).sorted().joined(separator: " and ")) parameters of its own, and the views share one network",
                    where: "\(context), \(section)", remedy: "use Model(shareWeights: false), or move them into the shared parameters")
            }
            do {
                for view in [nil] + perView.keys.sorted(by: { $0.rawValue < $1.rawValue }).map(Optional.some) {
                    _ = try ComponentParameters(componentParameters(section, view: view), schema: entry.parameters, component: entry.qualifiedName)
                }
            } catch let error as GeoKitError {
                // The schema's remedy names the parameter ("pass e.g. p=3.0 ..."); in a recipe it is set as section.p.
                let remedy =
                    error.remedy.hasPrefix("pass e.g. ")
                    ? "set it in the recipe or with e.g. --set \(section)." + error.remedy.dropFirst("pass e.g. ".count) : error.remedy
                throw GeoKitError(error.what, where: "\(context), \(section)", remedy: remedy)
            }
        }
    }

    /// The terms of a sum of losses: distinct names (each keeps its weights under its name), finite weights.
    private func validateLossTerms(context: String) throws {
        guard let terms = loss?.terms, !terms.isEmpty else {
            if let weight = loss?.weight, weight != 1 {
                throw GeoKitError(
                    "a single loss has weight \(weight); weights scale the terms of a sum of losses", where: "\(context), Loss",
                    remedy: "remove weight:, or add a second loss: Loss(\"a\") + Loss(\"b\", weight: \(weight))")
            }
            return
        }
        var seen = Set<String>()
        for (i, term) in terms.enumerated() {
            guard seen.insert(term.name).inserted else {
                throw GeoKitError(
                    "the sum of losses names loss:\(term.name) twice", where: "\(context), loss\(i)",
                    remedy: "name each loss once (give it the combined weight)")
            }
            guard term.weight.isFinite, term.weight > 0 else {
                throw GeoKitError(
                    "loss\(i) (\(term.name)) has weight \(term.weight)", where: "\(context), loss\(i)", remedy: "give each term a weight > 0")
            }
        }
    }

    /// The metrics must be reportable: at least one, each once, K >= 1, P in 1...100.
    private func validateMetrics(context: String) throws {
        let metrics = evaluation.metrics(for: dataset)
        let remedy = "list e.g. Evaluate(metrics: [.recall(1), .recall(5), .recallPercent(1), .averagePrecision]), or --set evaluate.metrics=R@1,R@5"
        guard !metrics.isEmpty else { throw GeoKitError("Evaluate(metrics:) lists no metric", where: context, remedy: remedy) }
        var seen = Set<Evaluate.Metric>()
        for metric in metrics {
            guard seen.insert(metric).inserted else {
                throw GeoKitError("Evaluate(metrics:) lists \(metric) twice", where: context, remedy: remedy)
            }
            switch metric {
            case .recall(let k) where !(1...1_000_000).contains(k):
                throw GeoKitError("\(metric): K must be in [1, 1000000], got \(k)", where: "\(context), Evaluate(metrics:)", remedy: remedy)
            case .recallPercent(let p, _) where !(1...100).contains(p):
                throw GeoKitError("\(metric): the percentage must be in [1, 100], got \(p)", where: "\(context), Evaluate(metrics:)", remedy: remedy)
            default: break
            }
        }
    }
}
