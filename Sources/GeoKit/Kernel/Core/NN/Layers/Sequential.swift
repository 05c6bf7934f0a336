/// Modules applied one after another, registered as children "0", "1", ...
/// as in torch.nn.Sequential, so checkpoint keys read "features.3.weight".
///
/// ```swift
/// let mlp = Sequential {
///     Linear(128, 256)
///     ReLU()
///     Linear(256, 10)
/// }
/// ```
public final class Sequential: Module {
    public private(set) var layers: [Module] = []

    public init(_ layers: [Module]) {
        super.init()
        for layer in layers { append(layer) }
    }

    public convenience init(@ModuleBuilder _ build: () -> [Module]) {
        self.init(build())
    }

    /// Adds a layer at the end, under the next index.
    public func append(_ layer: Module) {
        register(String(layers.count), layer)
        layers.append(layer)
    }

    public var count: Int { layers.count }
    public subscript(index: Int) -> Module { layers[index] }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        layers.reduce(x) { $1($0) }
    }
}

/// Builds a list of modules from statements, for `Sequential { ... }`.
@resultBuilder
public enum ModuleBuilder {
    public static func buildExpression(_ module: Module) -> [Module] { [module] }
    public static func buildExpression(_ modules: [Module]) -> [Module] { modules }
    public static func buildBlock(_ parts: [Module]...) -> [Module] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Module]?) -> [Module] { part ?? [] }
    public static func buildEither(first part: [Module]) -> [Module] { part }
    public static func buildEither(second part: [Module]) -> [Module] { part }
    public static func buildArray(_ parts: [[Module]]) -> [Module] { parts.flatMap { $0 } }
}
