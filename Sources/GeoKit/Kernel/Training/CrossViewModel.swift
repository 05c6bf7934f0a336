/// One view's network: backbone, attention modules after it, aggregator.
public final class ViewBranch: Module {
    public let backbone: Backbone
    public let attentions: [AttentionModule]
    public let aggregator: Aggregator

    init(backbone: Backbone, attentions: [AttentionModule], aggregator: Aggregator) {
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
    public let criterion: Loss
    public let sharesWeights: Bool
    /// (component section, kind:name, the module) for summaries.
    public let components: [(section: String, component: String, module: Module)]

    /// Builds every component of `recipe` through the registry.
    public init(recipe: Recipe, registry: Registry = .shared) throws {
        let s = recipe.settings
        for section in ["backbone", "aggregator", "loss"] where s["\(section).name"] == nil {
            throw GeoKitError("recipe \(recipe.name) names no \(section)", where: "recipe",
                              remedy: section == "loss" ? "add Loss(\"infonce\") (or another loss)" : "add it inside Model { ... }")
        }
        sharesWeights = s["model.shareWeights"].map { $0 == .bool(true) } ?? true
        var components: [(String, String, Module)] = []
        func make<T>(_: T.Type, _ section: String, _ kind: ComponentKind, prefix: String) throws -> T {
            let name = s.string("\(section).name")
            do {
                let made = try registry.make(T.self, kind, name, recipe.componentParameters(section))
                components.append((prefix + section, "\(kind.rawValue):\(name)", made as! Module))
                return made
            } catch let error as GeoKitError {
                throw GeoKitError(error.what, where: "recipe \(recipe.name), \(section)", remedy: error.remedy)
            }
        }
        func branch(_ prefix: String) throws -> ViewBranch {
            let backbone = try make(Backbone.self, "backbone", .backbone, prefix: prefix)
            var attentions: [AttentionModule] = []
            for (section, kind) in recipe.componentSections where kind == .attention {
                let point = s.string("\(section).at")
                let module = try make(AttentionModule.self, section, .attention, prefix: prefix)
                if point == "output" {
                    attentions.append(module)
                } else if let resnet = backbone as? ResNet {
                    try resnet.insert(module, at: point)
                } else {
                    throw GeoKitError("\(s.string("backbone.name")) has no attention insertion point '\(point)'",
                                      where: "recipe \(recipe.name), \(section)", remedy: "use at: \"output\" (after the backbone)")
                }
            }
            let aggregator = try make(Aggregator.self, "aggregator", .aggregator, prefix: prefix)
            return ViewBranch(backbone: backbone, attentions: attentions, aggregator: aggregator)
        }
        if sharesWeights {
            ground = try branch("")
            aerial = ground
        } else {
            ground = try branch("ground.")
            aerial = try branch("aerial.")
        }
        criterion = try make(Loss.self, "loss", .loss, prefix: "")
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
