import GeoKitComponents
import GeoKitCore
import GeoKitData
import GeoKitRecipes
import GeoKitSynth

/// One view's network: backbone, attention modules after it, aggregator.
public final class ViewBranch: Module {
    public let backbone: BackboneNetwork
    public let attentions: [AttentionModule]
    public let aggregator: AggregatorModule

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
    public override func callAsFunction(_ x: Tensor) -> Tensor {
        var features = backbone(x)
        for attention in attentions { features = attention(features) }
        return aggregator(features)
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
    public let sharesWeights: Bool
    /// (component section, kind:name, the module) for summaries.
    public let components: [(section: String, component: String, module: Module)]

    /// Validates `recipe` (`Recipe.validate`), builds every component through
    /// the registry and checks that each part after the backbone accepts the
    /// map the backbone makes of the recipe's input sizes, before any image
    /// is read.
    public init(recipe: Recipe, registry: Registry = .shared) throws {
        try recipe.validate(registry: registry)
        let s = recipe.settings
        for section in ["backbone", "aggregator", "loss"] where s["\(section).name"] == nil {
            throw GeoKitError("recipe \(recipe.name) names no \(section)", where: "recipe",
                              remedy: section == "loss" ? "add Loss(\"infonce\") (or another loss)" : "add it inside Model { ... }")
        }
        sharesWeights = s["model.shareWeights"].map { $0 == .bool(true) } ?? true
        var components: [(String, String, Module)] = []
        func make<T>(_ key: ComponentKey<T>, _ section: String, prefix: String) throws -> T {
            let name = s.string("\(section).name")
            do {
                let made = try registry.make(key, name, recipe.componentParameters(section))
                components.append((prefix + section, "\(key.kind.rawValue):\(name)", made as! Module))
                return made
            } catch let error as GeoKitError {
                throw GeoKitError(error.what, where: "recipe \(recipe.name), \(section)", remedy: error.remedy)
            }
        }
        func branch(_ prefix: String) throws -> ViewBranch {
            let backbone = try make(.backbone, "backbone", prefix: prefix)
            var attentions: [AttentionModule] = []
            var inserted: [(stage: String, module: AttentionModule)] = []
            for (section, kind) in recipe.componentSections where kind == .attention {
                let point = s.string("\(section).at")
                let module = try make(.attention, section, prefix: prefix)
                if point == "output" {
                    attentions.append(module)
                } else {
                    do { try backbone.insert(module, at: point) } catch let error as GeoKitError {
                        throw GeoKitError("\(s.string("backbone.name")): \(error.what)", where: "recipe \(recipe.name), \(section)",
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
        criterion = try make(.loss, "loss", prefix: "")
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
        register("loss", criterion)
    }

    /// Each view's feature map (from the recipe's input size) must suit the
    /// attention modules after the backbone and the aggregator, and a
    /// training batch of descriptors must suit the loss.
    private static func checkShapes(recipe: Recipe, ground: ViewBranch, aerial: ViewBranch, loss: LossFunction) throws {
        let s = recipe.settings
        guard s["dataset.groundHeight"] != nil, s["dataset.aerialHeight"] != nil else { return }
        let batch = s["train.batchSize"] == nil ? 2 : s.int("train.batchSize")
        for (view, branch, key) in [("ground", ground, "ground"), ("aerial", aerial, "aerial")] {
            let (height, width) = (s.int("dataset.\(key)Height"), s.int("dataset.\(key)Width"))
            let map = branch.backbone.featureMapSize(height: height, width: width)
            let shape = [batch, branch.backbone.outputChannels, map.height, map.width]
            for (stage, module) in branch.inserted {
                guard let checking = module as? InputShapeChecking, let channels = try? branch.backbone.stage(named: stage).channels else { continue }
                let stageMap = branch.backbone.stageMapSize(stage, height: height, width: width)
                do { try checking.checkInput(shape: [batch, channels, stageMap.height, stageMap.width]) } catch let error as GeoKitError {
                    throw GeoKitError("\(error.what) (the \(view) view: stage \(stage) of the backbone makes \(channels) x \(stageMap.height) x \(stageMap.width))",
                                      where: "recipe \(recipe.name), attention at \(stage)", remedy: error.remedy)
                }
            }
            let parts: [(String, Any)] = branch.attentions.map { ("attention after the backbone", $0 as Any) }
                + [("aggregator", branch.aggregator as Any)]
            for (section, module) in parts {
                guard let checking = module as? InputShapeChecking else { continue }
                do { try checking.checkInput(shape: shape) } catch let error as GeoKitError {
                    throw GeoKitError("\(error.what) (the \(view) view: \(height)x\(width) images, a \(map.height)x\(map.width) map from the backbone)",
                                      where: "recipe \(recipe.name), \(section)",
                                      remedy: error.remedy + " (in the recipe's parameters of the part, or with --set \(section).NAME=VALUE), or change the image size")
                }
            }
            let descriptor = branch.aggregator.descriptorSize(channels: shape[1], height: map.height, width: map.width)
            try ComponentFailure.check()
            do { try (loss as? InputShapeChecking)?.checkInput(shape: [batch, descriptor]) } catch let error as GeoKitError {
                throw GeoKitError(error.what, where: "recipe \(recipe.name), loss", remedy: error.remedy)
            }
        }
    }

    /// The recipe's input sizes, each view normalised as its backbone expects.
    public func viewInput(settings: RecipeSettings) -> ViewInput {
        var input = ViewInput(settings: settings)
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

    /// The loss of one batch of pairs (row i of each the same location).
    public func loss(ground groundImages: Tensor, aerial aerialImages: Tensor) -> Tensor {
        criterion.loss(query: ground(groundImages), reference: aerial(aerialImages))
    }
}
