import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// One view's network: backbone, attention modules after it, aggregator,
/// and the model's head when it has one (shared by the views, registered by the model).
///
/// Built from component values (any `BackboneNetwork`, an `AttentionModule`
/// subclass defined in the caller's own code, any `AggregatorModule`), or from
/// the recipe words naming registry components:
///
/// ```swift
/// let branch = try ViewBranch(backbone: Backbone("resnet18"), attentions: [Attention("triplet")], aggregator: Aggregator("gem"))
/// let mine = try ViewBranch(backbone: Backbone("resnet18").make(), attentions: [MyGate(channels: 512)], aggregator: Aggregator("gem").make())
/// ```
///
/// State-dict keys: `backbone.*`, `attention<i>.*` (the modules after the
/// backbone, in order), `aggregator.*`; a module inserted at a backbone stage
/// is registered inside the backbone, under the key the backbone gives it.
public final class ViewBranch: Module {
    public let backbone: BackboneNetwork
    public let attentions: [AttentionModule]
    public let aggregator: AggregatorModule
    public internal(set) var head: HeadModule?

    /// The modules inserted inside the backbone (registered there), by stage, for the shape checks.
    let inserted: [(stage: String, module: AttentionModule)]
    /// (section, kind:name, module) of each part, for summaries and the checkpoint's metadata: registry names
    /// where the branch was built from them, else the component's type name.
    public internal(set) var components: [(section: String, component: String, module: Module)]

    /// A branch of component values; `inserting` puts attention modules at named points of the backbone
    /// (e.g. ResNet's "stem", "layer1"; `BackboneNetwork.insert(_:at:)`), `attentions` run after it.
    public convenience init(
        backbone: BackboneNetwork, inserting: [(at: String, module: AttentionModule)] = [], attentions: [AttentionModule] = [],
        aggregator: AggregatorModule
    ) throws {
        for (point, module) in inserting { try backbone.insert(module, at: point) }
        self.init(backbone: backbone, attentions: attentions, aggregator: aggregator, inserted: inserting.map { ($0.at, $0.module) })
    }

    /// A branch of registry components named by the recipe words (`Attention(_:at:)` places each module),
    /// each built by `registry` and labelled with its name; a `Backbone(weights:)` file is loaded
    /// (`Backbone.make(registry:)`).
    public convenience init(backbone: Backbone, attentions: [Attention] = [], aggregator: Aggregator, registry: Registry = .shared) throws {
        let made = try backbone.make(registry: registry)
        let modules = try attentions.map { try $0.make(registry: registry) }
        var inserting: [(at: String, module: AttentionModule)] = [], after: [AttentionModule] = []
        for (attention, module) in zip(attentions, modules) {
            if case .attention(let point) = attention.part.role, point != "output" { inserting.append((point, module)) } else { after.append(module) }
        }
        try self.init(backbone: made, inserting: inserting, attentions: after, aggregator: try aggregator.make(registry: registry))
        // Sections numbered in the order the attentions were given, as a recipe numbers them.
        components =
            [("backbone", "backbone:\(backbone.part.name)", made)]
            + zip(attentions, modules).enumerated().map { ("attention\($0.offset)", "attention:\($0.element.0.part.name)", $0.element.1) }
            + [("aggregator", "aggregator:\(aggregator.part.name)", self.aggregator)]
    }

    init(backbone: BackboneNetwork, attentions: [AttentionModule], aggregator: AggregatorModule, inserted: [(stage: String, module: AttentionModule)]) {
        self.inserted = inserted
        self.backbone = backbone
        self.attentions = attentions
        self.aggregator = aggregator
        func label(_ kind: ComponentKind, _ module: Module) -> String { "\(kind.rawValue):\(type(of: module))" }
        components =
            [("backbone", label(.backbone, backbone), backbone)]
            + (inserted.map(\.module) + attentions).enumerated().map { ("attention\($0.offset)", label(.attention, $0.element), $0.element) }
            + [("aggregator", label(.aggregator, aggregator), aggregator)]
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

/// The cross-view model: a ground branch and an aerial branch (the same
/// object when weights are shared) and the loss, whose own parameters
/// (e.g. InfoNCE's `logit_scale`) train with the rest. A recipe's `Model`,
/// `Loss` and sizes build one (`init(recipe:)`); research code builds one
/// from its own branches (`init(ground:aerial:loss:)`).
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
    /// (component section, kind:name, the module) for summaries and the checkpoint's metadata.
    public internal(set) var components: [(section: String, component: String, module: Module)]

    /// The pretrained weights each backbone started from (empty when the recipe names none, or `loadPretrained` is false).
    public internal(set) var pretrained: [PretrainedWeights.Report] = []

    /// A model of `ground`'s branch for ground images and `aerial`'s for aerial ones (nil: `ground`'s, shared
    /// weights), trained by `loss`. `checkShapes(ground:aerial:batch:)` checks the parts fit given image sizes.
    public init(ground: ViewBranch, aerial: ViewBranch? = nil, loss: LossFunction, head: HeadModule? = nil) {
        self.ground = ground
        self.aerial = aerial ?? ground
        sharesWeights = aerial == nil || aerial === ground
        criterion = loss
        self.head = head
        ground.head = head
        self.aerial.head = head
        let views = sharesWeights ? [("", ground)] : [("ground.", ground), ("aerial.", self.aerial)]
        components =
            views.flatMap { prefix, branch in branch.components.map { (prefix + $0.section, $0.component, $0.module) } }
            + (head.map { [("head", "head:\(type(of: $0))", $0 as! Module)] } ?? [])
            + [("loss", "loss:\(type(of: loss))", loss as! Module)]
        super.init()
        if sharesWeights {
            register("backbone", ground.backbone)
            for (i, attention) in ground.attentions.enumerated() { register("attention\(i)", attention) }
            register("aggregator", ground.aggregator)
        } else {
            register("ground", ground)
            register("aerial", self.aerial)
        }
        if let head { register("head", head as! Module) }
        register("loss", loss as! Module)
    }

    /// As `init(ground:aerial:loss:)`, the loss built by `registry` from the recipe word (`Loss("infonce")`) and
    /// labelled with its name, as a recipe's is.
    public convenience init(ground: ViewBranch, aerial: ViewBranch? = nil, loss: Loss, registry: Registry = .shared) throws {
        self.init(ground: ground, aerial: aerial, loss: try loss.make(registry: registry))
        components[components.count - 1].component = "loss:\(loss.name)"
    }

    /// Validates `recipe` (`Recipe.validate`), builds every component through
    /// the registry, loads the backbone's pretrained weights (`PretrainedWeights`;
    /// not when `loadPretrained` is false, as for a model whose trained weights
    /// are loaded next) and checks that each part after the backbone accepts the
    /// map the backbone makes of the recipe's input sizes, before any image
    /// is read.
    public convenience init(recipe: Recipe, registry: Registry = .shared, loadPretrained: Bool = true) throws {
        try recipe.validate(registry: registry)
        for section in ["backbone", "aggregator", "loss"] where recipe.componentName(section) == nil {
            throw GeoKitError(
                "recipe \(recipe.name) names no \(section)", where: "recipe",
                remedy: section == "loss" ? "add Loss(\"infonce\") (or another loss)" : "add it inside Model { ... }")
        }
        let sharesWeights = recipe.model?.shareWeights ?? true
        var components: [(String, String, Module)] = []
        func make<T>(_ key: ComponentKey<T>, _ section: String, prefix: String) throws -> T {
            let name = recipe.componentName(section) ?? ""
            do {
                let view: CrossView? = prefix.isEmpty ? nil : prefix == "ground." ? .ground : .aerial
                let made = try registry.make(key, name, recipe.componentParameters(section, view: view))
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
        let ground = try branch(sharesWeights ? "" : "ground.")
        let aerial = sharesWeights ? ground : try branch("aerial.")
        let criterion = try CrossViewModel.makeLoss(recipe: recipe) { try make(.loss, $0, prefix: "") }
        let head = try recipe.componentName("head").map { _ in try make(.head, "head", prefix: "") }
        try CrossViewModel.checkHead(recipe: recipe, head: head, loss: criterion)
        ground.head = head
        aerial.head = head
        if let dataset = recipe.dataset {
            try CrossViewModel.checkShapes(
                ground: ground, aerial: aerial, loss: criterion, batch: recipe.train?.batchSize ?? 2,
                sizes: [(dataset.groundHeight, dataset.groundWidth), (dataset.aerialHeight, dataset.aerialWidth)],
                context: "recipe \(recipe.name)", settingRemedy: true)
        }
        self.init(ground: ground, aerial: sharesWeights ? nil : aerial, loss: criterion, head: head)
        self.components = components
        pretrained = reports
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

    /// Checks that each view's feature map, from images of `groundSize` and `aerialSize` (height, width), suits
    /// the attention modules and the aggregator, and that a batch of `batch` descriptors suits the loss: a mismatch
    /// is one message naming the part, before any image is read (the recipe path runs it with the recipe's sizes).
    public func checkShapes(groundSize: (height: Int, width: Int), aerialSize: (height: Int, width: Int), batch: Int = 2) throws {
        try Self.checkShapes(
            ground: ground, aerial: aerial, loss: criterion, batch: batch, sizes: [groundSize, aerialSize], context: "model",
            settingRemedy: false)
    }

    /// Each view's feature map (from its input size) must suit the attention modules after the backbone and the
    /// aggregator, and a training batch of descriptors must suit the loss. `context` opens each error's place;
    /// `settingRemedy` adds how a recipe changes a part's parameters.
    private static func checkShapes(
        ground: ViewBranch, aerial: ViewBranch, loss: LossFunction, batch: Int, sizes: [(height: Int, width: Int)], context: String,
        settingRemedy: Bool
    ) throws {
        var headInputs: [Int]?
        for ((view, branch), (height, width)) in zip([("ground", ground), ("aerial", aerial)], sizes) {
            let map = branch.backbone.featureMapSize(height: height, width: width)
            let shape = [batch, branch.backbone.outputChannels, map.height, map.width]
            for (stage, module) in branch.inserted {
                guard let checking = module as? InputShapeChecking, let channels = try? branch.backbone.stage(named: stage).channels else { continue }
                let stageMap = branch.backbone.stageMapSize(stage, height: height, width: width)
                do { try checking.checkInput(shape: [batch, channels, stageMap.height, stageMap.width]) } catch let error as GeoKitError {
                    throw GeoKitError(
                        "\(error.what) (the \(view) view: stage \(stage) of the backbone makes \(channels) x \(stageMap.height) x \(stageMap.width))",
                        where: "\(context), attention at \(stage)", remedy: error.remedy)
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
                        where: "\(context), \(section)",
                        remedy: error.remedy
                            + (settingRemedy
                                ? " (in the recipe's parameters of the part, or with --set \(section).NAME=VALUE), or change the image size"
                                : ", or change the image size"))
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
                            where: "\(context), head", remedy: "give both views input sizes that make descriptors of one size")
                    }
                } else {
                    head.build(inputSizes: inputs)
                    headInputs = inputs
                }
                do { try (head as? InputShapeChecking)?.checkInput(shape: [batch, inputs[0]]) } catch let error as GeoKitError {
                    throw GeoKitError(error.what, where: "\(context), head", remedy: error.remedy)
                }
                descriptor = inputs.map { head.featureSize(inputSize: $0) }.reduce(0, +)
            }
            try ComponentFailure.check()
            do { try (loss as? InputShapeChecking)?.checkInput(shape: [batch, descriptor]) } catch let error as GeoKitError {
                throw GeoKitError(error.what, where: "\(context), loss", remedy: error.remedy)
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

    /// The loss of one batch of pairs (row i of each the same location, `locationIDs` its training index), with a
    /// third view's `street` images (University-1652) through the ground branch, as training runs it.
    public func loss(ground groundImages: Tensor, aerial aerialImages: Tensor, street: Tensor? = nil, locationIDs: [Int]? = nil) -> Tensor {
        let views = [ground.outputs(groundImages, view: "ground"), aerial.outputs(aerialImages, view: "aerial")]
        return criterion.loss(
            LossBatch(
                views: views + (street.map { [ground.outputs($0, view: "street")] } ?? []),
                locationIDs: locationIDs ?? Array(0..<groundImages.shape[0])))
    }
}
