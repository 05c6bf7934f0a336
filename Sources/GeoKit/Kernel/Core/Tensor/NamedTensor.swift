/// A tensor with its state-dict key: what `Module.stateDict()` returns and
/// what the file formats read and write.
public struct NamedTensor {
    public var name: String
    public var tensor: Tensor
    /// An integer-valued buffer (BatchNorm's `num_batches_tracked`): the
    /// kernel holds it as floats, files store it as int64 as PyTorch does.
    public var isInteger: Bool

    public init(_ name: String, _ tensor: Tensor, isInteger: Bool = false) {
        self.name = name
        self.tensor = tensor
        self.isInteger = isInteger
    }
}
