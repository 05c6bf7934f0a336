import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// One view's network: backbone, attention modules after it, aggregator,
/// and the model's head when it has one (shared by the views, registered by the model).
public final class ViewBranch: Module {
    public let backbone: BackboneNetwork
    public let attentions: [AttentionModule]
    public let aggregator: AggregatorModule
    public internal(set) var head: HeadModule?

    /// The modules inserted inside the backbone (registered there), by stage, for the shape checks.
    let inserted: [(stage: String, module: AttentionModule)]

    init(backbone: BackboneNetwork, attentions: [AttentionModule], aggregator: AggregatorModule, inserted: [(stage: String, module: AttentionModule)]) {
        self.inserted = inserted
        self.backbone = backbone
        self.attentions = attentions
        self.aggregator = aggregator
        super.init()
        register("backbone", backbone)
        for (i, attention) in attentions.enumerated() { register("attention\(i)", attention) }
        register("aggregator", aggregator)
    }

    /// Images (N, 3, H, W) -> descriptors (N, D).
    public override func callAsFunction(_ x: Tensor) -> Tensor { outputs(x, view: "").descriptor }

    /// Images -> what a loss sees of this view: the descriptor, the parts of a part aggregator, the head's logits.
    /// With a head the descriptor is made of the head's features (each part's L2-normalised, concatenated, when
    /// the aggregator yields parts; else the one bottleneck feature).
    public func outputs(_ x: Tensor, view: String) -> ViewOutput {
        var features = backbone(x)
        for attention in attentions { features = attention(features) }
        guard let parted = aggregator as? PartAggregator else {
            let descriptor = aggregator(features)
            guard let head else { return ViewOutput(name: view, descriptor: descriptor) }
            let (feature, logits) = head.classify([descriptor])[0]
            return ViewOutput(name: view, descriptor: feature, logits: logits.map { [$0] } ?? [])
        }
        let parts = parted.parts(features)
        guard let head else { return ViewOutput(name: view, descriptor: type(of: parted).joined(parts), parts: parts) }
        let classified = head.classify(parts)
        let partFeatures = classified.map(\.feature)
        return ViewOutput(
            name: view, descriptor: type(of: parted).joined(partFeatures), parts: partFeatures, logits: classified.compactMap(\.logits))
    }
}

/// The model a recipe assembles: a ground branch and an aerial branch
/// (the same object when weights are shared) and the loss, whose own
/// parameters (e.g. InfoNCE's `logit_scale`) train with the rest.
///
/// State-dict keys: shared weights `backbone.*`, `attention<i>.*`,
/// `aggregator.*`; separate weights the same under `ground.` and `aerial.`;
/// the loss under `loss.`.
public final class CrossViewModel: Module {
    public let ground: ViewBranch
    public let aerial: ViewBranch
    public let criterion: LossFunction
    /// The classifier head both views share, when the recipe has one.
    public let head: HeadModule?
    public let sharesWeights: Bool
    /// (component section, kind:name, the module) for summaries.
    public let components: [(section: String, component: String, module: Module)]

    /// The pretrained weights each backbone started from (empty when the recipe names none, or `loadPretrained` is false).
    public let pretrained: [PretrainedWeights.Report]

    /// Validates `recipe` (`Recipe.validate`), builds every component through
    /// the registry, loads the backbone's pretrained weights (`PretrainedWeights`;
    /// not when `loadPretrained` is false, as for a model whose trained weights
    /// are loaded next) and checks that each part after the backbone accepts the
    /// map the backbone makes of the recipe's input sizes, before any image
    /// is read.
    public init(recipe: Recipe, registry: Registry = .shared, loadPretrained: Bool = true) throws {
        try recipe.validate(registry: registry)
        for section in ["backbone", "aggregator", "loss"] where recipe.componentName(section) == nil {
            throw GeoKitError(
                "recipe \(recipe.name) names no \(section)", where: "recipe",
                remedy: section == "loss" ? "add Loss(\"infonce\") (or another loss)" : "add it inside Model { ... }")
        }
        sharesWeights = recipe.model?.shareWeights ?? true
        var components: [(String, String, Module)] = []
        func make<T>(_ key: ComponentKey<T>, _ section: String, prefix: String) throws -> T {
            let name = recipe.componentName(section) ?? ""
            do {
                let made = try registry.make(key, name, recipe.componentParameters(section))
                components.append((prefix + section, "\(key.kind.rawValue):\(name)", made as! Module))
                return made
            } catch let error as GeoKitError {
                throw GeoKitError(error.what, where: "recipe \(recipe.name), \(section)", remedy: error.remedy)
            }
        }
        let backbonePart = recipe.modelPartIndex("backbone").flatMap { recipe.model?.parts[$0] }
        var weightsFile: (url: URL, tensors: [String: Tensor])?
        var reports: [PretrainedWeights.Report] = []
        func branch(_ prefix: String) throws -> ViewBranch {
            let backbone = try make(.backbone, "backbone", prefix: prefix)
            if loadPretrained, let part = backbonePart, let weights = part.weights {
                // Read once, loaded into each branch's backbone (unshared weights start alike).
                let file: (url: URL, tensors: [String: Tensor])
                if let read = weightsFile {
                    file = read
                } else {
                    let url = weights.url(relativeTo: recipe.directory)
                    file = (url, try WeightsFile.read(url))
                    weightsFile = file
                }
                reports.append(try weights.load(file.tensors, from: file.url, into: backbone, component: "backbone:\(part.name)", branch: prefix))
            }
            var attentions: [AttentionModule] = []
            var inserted: [(stage: String, module: AttentionModule)] = []
            for (section, kind) in recipe.componentSections where kind == .attention {
                guard let i = recipe.modelPartIndex(section), case .attention(let point)? = recipe.model?.parts[i].role else { continue }
                let module = try make(.attention, section, prefix: prefix)
                if point == "output" {
                    attentions.append(module)
                } else {
                    do { try backbone.insert(module, at: point) } catch let error as GeoKitError {
                        throw GeoKitError(
                            "\(backbonePart?.name ?? "backbone"): \(error.what)", where: "recipe \(recipe.name), \(section)",
                            remedy: error.remedy + ", or at: \"output\" (after the backbone)")
                    }
                    inserted.append((point, module))
                }
            }
            let aggregator = try make(.aggregator, "aggregator", prefix: prefix)
            return ViewBranch(backbone: backbone, attentions: attentions, aggregator: aggregator, inserted: inserted)
        }
        if sharesWeights {
            ground = try branch("")
            aerial = ground
        } else {
            ground = try branch("ground.")
            aerial = try branch("aerial.")
        }
        pretrained = reports
        criterion = try CrossViewModel.makeLoss(recipe: recipe) { try make(.loss, $0, prefix: "") }
        head = try recipe.componentName("head").map { _ in try make(.head, "head", prefix: "") }
        try CrossViewModel.checkHead(recipe: recipe, head: head, loss: criterion)
        ground.head = head
        aerial.head = head
        try CrossViewModel.checkShapes(recipe: recipe, ground: ground, aerial: aerial, loss: criterion)
        self.components = components
        super.init()
        if sharesWeights {
            register("backbone", ground.backbone)
            for (i, attention) in ground.attentions.enumerated() { register("attention\(i)", attention) }
            register("aggregator", ground.aggregator)
        } else {
            register("ground", ground)
            register("aerial", aerial)
        }
        if let head { register("head", head) }
        register("loss", criterion)
    }

    /// The recipe's loss: its one loss, or the weighted sum of its terms (sections loss0, loss1, ...).
    private static func makeLoss(recipe: Recipe, make: (String) throws -> LossFunction) throws -> LossFunction {
        guard let terms = recipe.loss?.terms, !terms.isEmpty else { return try make("loss") }
        return WeightedSumLoss(
            try zip(recipe.lossSections, terms).map { section, term in (term.name, term.weight, try make(section)) })
    }

    /// A head and a loss that reads logits come together, and a head is sized from the recipe's images.
    private static func checkHead(recipe: Recipe, head: HeadModule?, loss: LossFunction) throws {
        let lossName = recipe.loss.map { $0.summands.map { "loss:\($0.name)" }.joined(separator: " + ") } ?? "the loss"
        switch (head, loss.needs.logits) {
        case (nil, true):
            throw GeoKitError(
                "\(lossName) needs each view's logits over the training locations, and the model has no head",
                where: "recipe \(recipe.name), loss",
                remedy: "add Head(\"classblock\") inside Model { ... } after the Aggregator")
        case (_?, false):
            let headName = recipe.componentName("head").map { "head:\($0)" } ?? "the head"
            throw GeoKitError(
                "the model has \(headName), and \(lossName) reads no logits: the head's classifier would never train",
                where: "recipe \(recipe.name), head",
                remedy: "add Loss(\"instance\") (e.g. Loss(\"instance\") + \(recipe.loss.map { "Loss(\"\($0.name)\")" } ?? "your loss")), or remove the Head")
        default:
            guard head != nil, recipe.dataset == nil else { return }
            throw GeoKitError(
                "a model with a head needs the recipe's dataset: the head is sized from the descriptors its images make",
                where: "recipe \(recipe.name)", remedy: "add a Dataset(...) section")
        }
    }

    /// Sizes the head's classifier for the training split's `locations` (what `loss:instance` predicts), drawing
    /// its initial weights from `seed` (the same on every rank). No-op without a head; a second call must agree.
    public func prepareHead(locations: Int, seed: UInt64) throws {
        guard let head else { return }
        if head.classes == nil { GlobalRandom.seed(SeedMixing.hash(seed, 0xC1A55)) }
        try head.setClasses(locations)
    }

    /// Sizes an unsized head's classifier from a checkpoint's tensors (the classifier's row count), so that the
    /// checkpoint loads into a model built without the data (`geokit eval`, `embed`, `resume`).
    public func prepareHead(from tensors: [String: Tensor]) throws {
        guard let head, head.classes == nil else { return }
        let classifier = tensors.first { $0.key.hasPrefix("head.") && $0.key.hasSuffix("classifier.0.weight") }
        guard let rows = classifier?.value.shape.first else { return }
        try head.setClasses(rows)
    }

    /// Each view's feature map (from the recipe's input size) must suit the
    /// attention modules after the backbone and the aggregator, and a
    /// training batch of descriptors must suit the loss.
    private static func checkShapes(recipe: Recipe, ground: ViewBranch, aerial: ViewBranch, loss: LossFunction) throws {
        guard let dataset = recipe.dataset else { return }
        let batch = recipe.train?.batchSize ?? 2
        var headInputs: [Int]?
        for (view, branch) in [("ground", ground), ("aerial", aerial)] {
            let (height, width) = view == "ground" ? (dataset.groundHeight, dataset.groundWidth) : (dataset.aerialHeight, dataset.aerialWidth)
            let map = branch.backbone.featureMapSize(height: height, width: width)
            let shape = [batch, branch.backbone.outputChannels, map.height, map.width]
            for (stage, module) in branch.inserted {
                guard let checking = module as? InputShapeChecking, let channels = try? branch.backbone.stage(named: stage).channels else { continue }
                let stageMap = branch.backbone.stageMapSize(stage, height: height, width: width)
                do { try checking.checkInput(shape: [batch, channels, stageMap.height, stageMap.width]) } catch let error as GeoKitError {
                    throw GeoKitError(
                        "\(error.what) (the \(view) view: stage \(stage) of the backbone makes \(channels) x \(stageMap.height) x \(stageMap.width))",
                        where: "recipe \(recipe.name), attention at \(stage)", remedy: error.remedy)
                }
            }
            let parts: [(String, Any)] =
                branch.attentions.map { ("attention after the backbone", $0 as Any) }
                + [("aggregator", branch.aggregator as Any)]
            for (section, module) in parts {
                guard let checking = module as? InputShapeChecking else { continue }
                do { try checking.checkInput(shape: shape) } catch let error as GeoKitError {
                    throw GeoKitError(
                        "\(error.what) (the \(view) view: \(height)x\(width) images, a \(map.height)x\(map.width) map from the backbone)",
                        where: "recipe \(recipe.name), \(section)",
                        remedy: error.remedy + " (in the recipe's parameters of the part, or with --set \(section).NAME=VALUE), or change the image size")
                }
            }
            var descriptor = branch.aggregator.descriptorSize(channels: shape[1], height: map.height, width: map.width)
            if let head = branch.head {
                let inputs =
                    (branch.aggregator as? PartAggregator)?.partSizes(channels: shape[1], height: map.height, width: map.width) ?? [descriptor]
                if let built = headInputs {
                    guard built == inputs else {
                        throw GeoKitError(
                            "the views' descriptors differ (ground \(built), aerial \(inputs)), and the views share the head",
                            where: "recipe \(recipe.name), head", remedy: "give both views input sizes that make descriptors of one size")
                    }
                } else {
                    head.build(inputSizes: inputs)
                    headInputs = inputs
                }
                do { try (head as? InputShapeChecking)?.checkInput(shape: [batch, inputs[0]]) } catch let error as GeoKitError {
                    throw GeoKitError(error.what, where: "recipe \(recipe.name), head", remedy: error.remedy)
                }
                descriptor = inputs.map { head.featureSize(inputSize: $0) }.reduce(0, +)
            }
            try ComponentFailure.check()
            do { try (loss as? InputShapeChecking)?.checkInput(shape: [batch, descriptor]) } catch let error as GeoKitError {
                throw GeoKitError(error.what, where: "recipe \(recipe.name), loss", remedy: error.remedy)
            }
        }
    }

    /// The recipe's input sizes, each view normalised as its backbone expects.
    public func viewInput(_ dataset: Dataset) -> ViewInput {
        var input = ViewInput(dataset: dataset)
        input.groundStatistics = ground.backbone.inputConfiguration.statistics
        input.aerialStatistics = aerial.backbone.inputConfiguration.statistics
        return input
    }

    /// The backbones' parameters (the group `train.backboneLRScale` scales) and all others.
    public var parameterGroups: (backbone: [Tensor], rest: [Tensor]) {
        var backboneIDs = Set<ObjectIdentifier>()
        var backbone: [Tensor] = []
        for module in [ground.backbone, aerial.backbone] as [Module] {
            for p in module.parameters() where backboneIDs.insert(ObjectIdentifier(p)).inserted { backbone.append(p) }
        }
        let rest = parameters().filter { !backboneIDs.contains(ObjectIdentifier($0)) }
        return (backbone, rest)
    }

    /// The loss of one batch of pairs (row i of each the same location, `locationIDs` its training index).
    public func loss(ground groundImages: Tensor, aerial aerialImages: Tensor, locationIDs: [Int]? = nil) -> Tensor {
        criterion.loss(
            LossBatch(
                views: [ground.outputs(groundImages, view: "ground"), aerial.outputs(aerialImages, view: "aerial")],
                locationIDs: locationIDs ?? Array(0..<groundImages.shape[0])))
    }
}
