import GeoKitCore
import GeoKitData

/// The components the kernel itself provides, registered by
/// `Registry.shared`'s initialiser before any plugin can load.
enum BuiltinComponents {
    static func register(into registry: Registry) {
        registerAggregators(into: registry)
        registerViewTransforms(into: registry)
        registerHeadsAndLosses(into: registry)
        registry.registerBuiltin(.attention, "identity", summary: "passes the map through unchanged (an attention ablation's 'without' arm)") { _ in
            IdentityAttention()
        }
        registry.registerBuiltin(.sampler, "random", summary: "shuffled locations, each once per epoch, batches of batchSize (the last partial one dropped)") {
            _ in
            RandomSampler()
        }
    }

    private static func registerAggregators(into registry: Registry) {
        registry.registerBuiltin(.aggregator, "avg", summary: "global average pooling, (N, C, H, W) -> (N, C)") { _ in
            AverageAggregator()
        }
        registry.registerBuiltin(.aggregator, "max", summary: "global max pooling, (N, C, H, W) -> (N, C)") { _ in
            MaxAggregator()
        }
        registry.registerBuiltin(
            .aggregator, "gem", summary: "generalised-mean pooling with a learnable exponent (key p), (N, C, H, W) -> (N, C)",
            parameters: [
                ParameterSpec("p", .double(3.0), "initial exponent (1 = average pooling, large = max pooling)", bounds: .aboveUpTo(0, 64)),
                ParameterSpec(
                    "channels", .int(0), "0: one shared p; else the input's channel count, one p per channel (RK-Net)",
                    bounds: .between(0, 65536))
            ]
        ) { p in
            GeMAggregator(initialP: p.double("p"), channels: p.int("channels"))
        }
        registry.registerBuiltin(
            .aggregator, "flatten", summary: "keeps the spatial layout, (N, C, H, W) -> (N, C*H*W), for polar-aligned inputs",
            parameters: [ParameterSpec("normalize", .bool(false), "L2-normalise each descriptor (for the margin losses wsmr, mhnw)")]
        ) { p in
            FlattenAggregator(normalize: p.bool("normalize"))
        }
    }

    private static func registerHeadsAndLosses(into registry: Registry) {
        registry.registerBuiltin(
            .head, "classblock",
            summary: "University-1652's ClassBlock: Linear -> BatchNorm1d -> Dropout -> Linear to the training locations "
                + "(one per part for an aggregator with parts); the bottleneck is the descriptor",
            parameters: [
                ParameterSpec("bottleneck", .int(512), "the bottleneck (descriptor) size", bounds: .between(1, 65536)),
                ParameterSpec("dropout", .double(0.5), "dropout after the bottleneck while training", bounds: .between(0, 0.99))
            ]
        ) { p in
            ClassBlockHead(bottleneck: p.int("bottleneck"), dropout: p.double("dropout"))
        }
        registry.registerBuiltin(
            .loss, "instance",
            summary: "cross-entropy of each view's (and part's) head logits against the location id, summed; needs a Head"
        ) { _ in
            InstanceLoss()
        }
    }

    private static func registerViewTransforms(into registry: Registry) {
        registry.registerBuiltin(
            .view, "polar", summary: "SAFA's polar transform of a square aerial tile to a height x width pseudo-panorama",
            parameters: [
                ParameterSpec("height", .int(128), "output rows", bounds: .imageSide),
                ParameterSpec("width", .int(512), "output columns", bounds: .imageSide)
            ]
        ) { p in
            PolarView(height: p.int("height"), width: p.int("width"))
        }
        registry.registerBuiltin(
            .view, "fov", summary: "a limited field-of-view crop of a 360-degree panorama",
            parameters: [
                ParameterSpec("degrees", .double(90), "field of view in degrees", bounds: .aboveUpTo(0, 360)),
                ParameterSpec("randomHeading", .bool(true), "centre the crop on a random heading (else on column 0)")
            ]
        ) { p in
            FieldOfViewCrop(degrees: p.double("degrees"), randomHeading: p.bool("randomHeading"))
        }
    }
}

extension Registry {
    /// The kernel declares each built-in once, so a refused registration is a bug in the kernel, not a user's error.
    fileprivate func registerBuiltin<Component>(
        _ key: ComponentKey<Component>, _ name: String, summary: String,
        parameters: [ParameterSpec] = [],
        factory: @escaping @Sendable (ComponentParameters) throws -> Component
    ) {
        do { try register(key, name, summary: summary, parameters: parameters, factory: factory) } catch {
            require(false, "GeoKit: built-in \(key.kind.rawValue):\(name) cannot be registered: \(error)")
        }
    }
}
