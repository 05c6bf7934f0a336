import GeoKitCore

/// `attention:identity`: the map passes through unchanged, no weights. It is
/// the "without" arm of an attention ablation: `--set attention0.name=identity`
/// turns a recipe's attention module off and keeps every other section's name.
///
/// ```swift
/// let none = try Registry.shared.make(.attention, "identity")
/// none(features)   // features
/// ```
public final class IdentityAttention: Module, AttentionModule {
    public override init() { super.init() }

    public override func callAsFunction(_ x: Tensor) -> Tensor { x }
}
