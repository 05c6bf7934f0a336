import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitPlugins
import GeoKitRecipes
import GeoKitTraining

/// A trained model as `geokit export` writes it: a directory with
/// `model.safetensors` (weights only, the model's state-dict keys: the
/// backbone's reference keys under `backbone.`, ...) and `config.json`
/// (`ExportConfig`). Loading rebuilds the network from the config through
/// the registry (the plugins are loaded first, as the CLI does), so neither
/// the recipe nor its file is needed.
///
/// ```swift
/// let model = try ExportedModel.load(URL(fileURLWithPath: "exports/quickstart"))
/// let descriptors = try model.embed(files: [URL(fileURLWithPath: "pano.jpg")], view: .ground)   // (1, D), L2-normalised
/// ```
public final class ExportedModel {
    public let config: ExportConfig
    public let model: CrossViewModel
    /// The input preparation config.json describes.
    public let input: ViewInput

    public static let weightsName = "model.safetensors"

    private init(config: ExportConfig, model: CrossViewModel) {
        self.config = config
        self.model = model
        var input = ViewInput(
            groundSize: (config.ground.height, config.ground.width), aerialTileSize: config.aerial.tileSize,
            aerialSize: (config.aerial.height, config.aerial.width), polar: config.aerial.polar)
        input.groundStatistics = ChannelStatistics(mean: config.ground.mean, std: config.ground.std)
        input.aerialStatistics = ChannelStatistics(mean: config.aerial.mean, std: config.aerial.std)
        self.input = input
    }

    /// Writes `model` (built from `recipe`, its trained weights loaded) into `directory`
    /// (created if needed): model.safetensors, then config.json, each atomically.
    @discardableResult
    public static func write(_ model: CrossViewModel, recipe: Recipe, to directory: URL) throws -> ExportConfig {
        let dataset = try recipe.requireDataset()
        let input = model.viewInput(dataset)
        var components: [ExportConfig.Component] = []
        for (section, kind) in recipe.componentSections where [.backbone, .attention, .aggregator, .loss].contains(kind) {
            guard let name = recipe.componentName(section) else { continue }
            var at: String?
            if kind == .attention, let i = recipe.modelPartIndex(section), case .attention(let point)? = recipe.model?.parts[i].role { at = point }
            components.append(
                ExportConfig.Component(
                    section: section, kind: kind.rawValue, name: name, at: at,
                    parameters: recipe.componentParameters(section).mapValues(ParameterJSON.init),
                    views: recipe.viewParameters(section).isEmpty
                        ? nil
                        : Dictionary(uniqueKeysWithValues: recipe.viewParameters(section).map { ($0.key.rawValue, $0.value.mapValues(ParameterJSON.init)) })))
        }
        func view(_ statistics: ChannelStatistics, _ size: (height: Int, width: Int), polar: Bool) -> ExportConfig.View {
            ExportConfig.View(
                height: size.height, width: size.width, polar: polar, tileSize: polar ? input.aerialTileSize : 0,
                mean: statistics.mean, std: statistics.std)
        }
        let config = ExportConfig(
            format: ExportConfig.formatName, formatVersion: ExportConfig.currentVersion, geokitAbiVersion: Int(PluginABI.version),
            embedApiVersion: Int(EmbedAPI.version), recipe: recipe.name, shareWeights: model.sharesWeights,
            layout: dataset.isUniversityLayout ? "university1652" : "cvusa", components: components,
            ground: view(input.groundStatistics, input.groundSize, polar: false),
            aerial: view(input.aerialStatistics, input.aerialSize, polar: input.polar != nil),
            descriptorSize: descriptorSize(model.ground, input.groundSize), weights: weightsName)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw GeoKitError("cannot create the export directory", where: directory.path, remedy: "check the path and its permissions")
        }
        try SafeTensors.write(model.stateDict(), metadata: ["format": "pt"], to: directory.appendingPathComponent(weightsName))
        try AtomicFile.write(try config.encoded(), to: directory.appendingPathComponent(ExportConfig.fileName))
        return config
    }

    /// Loads an export directory: checks config.json, rebuilds the model through
    /// `registry` (after loading the plugins into it) and loads its weights (every
    /// key must match). Any problem is one GeoKitError naming the file.
    public static func load(_ directory: URL, registry: Registry = .shared) throws -> ExportedModel {
        let configURL = directory.appendingPathComponent(ExportConfig.fileName)
        guard let data = FileManager.default.contents(atPath: configURL.path) else {
            throw GeoKitError(
                "not an exported model: no readable config.json", where: directory.path,
                remedy: "pass the directory geokit export --out wrote")
        }
        let config = try ExportConfig.decode(data, source: configURL.path)
        if registry === Registry.shared { PluginLoader.loadAll(into: registry) }
        let recipe = try rebuildRecipe(config, registry: registry, source: configURL.path)
        let model = try CrossViewModel(recipe: recipe, registry: registry, loadPretrained: false)
        let weightsURL = directory.appendingPathComponent(config.weights)
        try model.loadStateDict(try SafeTensors.read(weightsURL).tensors)
        model.eval()
        let size = descriptorSize(model.ground, (config.ground.height, config.ground.width))
        guard size == config.descriptorSize else {
            throw GeoKitError(
                "the exported model makes \(size)-d descriptors, config.json says descriptor_size \(config.descriptorSize)",
                where: configURL.path, remedy: "export the model again with geokit export")
        }
        return ExportedModel(config: config, model: model)
    }

    /// A recipe holding only what the model needs (its dataset only gives the input sizes for the shape checks).
    private static func rebuildRecipe(_ config: ExportConfig, registry: Registry, source: String) throws -> Recipe {
        var parts: [ModelPart] = []
        var loss: Loss?
        for component in config.components {
            guard let kind = ComponentKind(rawValue: component.kind) else {
                throw GeoKitError(
                    "the exported model's config.json names an unknown component kind '\(component.kind)'", where: source,
                    remedy: "export the model again with geokit export")
            }
            let schema = try registry.entry(kind, component.name).parameters
            func values(_ given: [String: ParameterJSON], _ place: String) throws -> [String: ParameterValue] {
                var parameters: [String: ParameterValue] = [:]
                for (name, json) in given {
                    guard let spec = schema.first(where: { $0.name == name }) else {
                        throw GeoKitError(
                            "the exported model's config.json gives \(component.kind):\(component.name) an unknown parameter '\(name)'",
                            where: source, remedy: "its parameters are \(schema.map(\.name).joined(separator: ", ")); export the model again")
                    }
                    guard let value = json.value(as: spec.type) else {
                        throw GeoKitError(
                            "the exported model's config.json gives \(place).\(name) a value that is not \(spec.type.rawValue)",
                            where: source, remedy: "export the model again with geokit export")
                    }
                    parameters[name] = value
                }
                return parameters
            }
            let parameters = try values(component.parameters, component.section)
            var viewParameters: [CrossView: [String: ParameterValue]] = [:]
            for (name, given) in component.views ?? [:] {
                guard let view = CrossView(rawValue: name) else {
                    throw GeoKitError(
                        "the exported model's config.json gives \(component.section) parameters for an unknown view '\(name)'", where: source,
                        remedy: "the views are ground and aerial; export the model again")
                }
                viewParameters[view] = try values(given, "\(component.section).\(name)")
            }
            switch kind {
            case .backbone: parts.append(Backbone(component.name, parameters).part)
            case .attention: parts.append(Attention(component.name, at: component.at ?? "output", parameters).part)
            case .aggregator:
                parts.append(
                    Aggregator(component.name, parameters, ground: viewParameters[.ground] ?? [:], aerial: viewParameters[.aerial] ?? [:]).part)
            case .loss: loss = Loss(component.name, parameters)
            case .head: parts.append(Head(component.name, parameters).part)
            case .sampler, .view: continue
            }
        }
        let ground = Dataset.View.panorama(config.ground.height, config.ground.width)
        let aerial = config.aerial.polar ? Dataset.View.polar(config.aerial.height, config.aerial.width) : .panorama(config.aerial.height, config.aerial.width)
        let model = Model(shareWeights: config.shareWeights) {}
        let recipe = Recipe(config.recipe) {
            Dataset.cvusa(root: "", ground: ground, aerial: aerial)
            model
        }
        recipe.model?.parts = parts
        recipe.loss = loss
        return recipe
    }

    private static func descriptorSize(_ branch: ViewBranch, _ size: (height: Int, width: Int)) -> Int {
        let map = branch.backbone.featureMapSize(height: size.height, width: size.width)
        return branch.aggregator.descriptorSize(channels: branch.backbone.outputChannels, height: map.height, width: map.width)
    }

    /// The view's network input size (height, width).
    public func inputSize(_ view: CrossView) -> (height: Int, width: Int) {
        view == .ground ? input.groundSize : input.aerialSize
    }

    /// L2-normalised descriptors (N, D) of image files (JPEG or PNG) of one view; images done go to `progress`.
    public func embed(files: [URL], view: CrossView, progress: ProgressBar? = nil) throws -> Tensor {
        try model.embed(files: files, view: view, input: input, progress: progress)
    }

    /// L2-normalised descriptors (N, D) of decoded images of one view, prepared as `input` says.
    public func embed(images: [Image], view: CrossView) throws -> Tensor {
        try model.embed(images, view: view, input: input)
    }

    /// L2-normalised descriptors (N, D) of network inputs (N, 3, H, W) already
    /// prepared and normalised, at the view's input size.
    public func embed(inputs: Tensor, view: CrossView) throws -> Tensor {
        let (height, width) = inputSize(view)
        guard inputs.shape.count == 4, inputs.shape[1] == 3, inputs.shape[2] == height, inputs.shape[3] == width, inputs.shape[0] >= 1 else {
            throw GeoKitError(
                "the \(view) inputs have shape \(inputs.shape), the model takes (N, 3, \(height), \(width))", where: "embedding",
                remedy: "resize and normalise the images as config.json says, or embed the images instead")
        }
        let branch = view == .ground ? model.ground : model.aerial
        let descriptors = noGrad { branch(inputs).detached() }
        try ComponentFailure.check()
        let bad = descriptors.scalars(as: Float.self).filter { !$0.isFinite }.count
        guard bad == 0 else {
            throw GeoKitError(
                "the model's descriptors of \(inputs.shape[0]) \(view) inputs hold \(bad) NaN or infinite values", where: "embedding",
                remedy: "check the inputs are finite and normalised as config.json says")
        }
        return descriptors.l2Normalized()
    }
}
