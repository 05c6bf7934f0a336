import GeoKitCore

/// A component kind together with the protocol its components conform to,
/// so a lookup names the kind once and gets the right type back:
/// `registry.make(.loss, "infonce")` is an `any LossFunction`. The command line's
/// `KIND:NAME` strings go through `Registry.make(named:)` instead.
public struct ComponentKey<Component>: Sendable {
    public let kind: ComponentKind

    private init(_ kind: ComponentKind) { self.kind = kind }
}

// Computed, not stored: a generic type cannot have static stored properties.
extension ComponentKey where Component == any BackboneNetwork {
    public static var backbone: Self { Self(.backbone) }
}
extension ComponentKey where Component == any AttentionModule {
    public static var attention: Self { Self(.attention) }
}
extension ComponentKey where Component == any AggregatorModule {
    public static var aggregator: Self { Self(.aggregator) }
}
extension ComponentKey where Component == any LossFunction {
    public static var loss: Self { Self(.loss) }
}
extension ComponentKey where Component == any BatchSampler {
    public static var sampler: Self { Self(.sampler) }
}
extension ComponentKey where Component == any HeadModule {
    public static var head: Self { Self(.head) }
}
extension ComponentKey where Component == any ViewTransform {
    public static var view: Self { Self(.view) }
}
