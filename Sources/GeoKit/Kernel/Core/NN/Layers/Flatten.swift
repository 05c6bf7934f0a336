/// Flattens the axes from `startAxis` on into one (torch.nn.Flatten), e.g.
/// a pooled (N, C, 1, 1) map into (N, C) descriptors before a `Linear`.
public final class Flatten: Module {
    public let startAxis: Int

    public init(startAxis: Int = 1) {
        self.startAxis = startAxis
        super.init()
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor { x.flattened(from: startAxis) }
}
