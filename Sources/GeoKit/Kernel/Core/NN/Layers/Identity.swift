/// Returns its input: a placeholder where an architecture has an optional
/// part (e.g. a removed classifier head, DropPath at rate 0).
public final class Identity: Module {
    public override init() { super.init() }
    public override func callAsFunction(_ x: Tensor) -> Tensor { x }
}
