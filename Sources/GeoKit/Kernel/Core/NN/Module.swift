/// A building block of a model: it owns named parameters (trained tensors),
/// named buffers (state such as BatchNorm's running statistics) and named
/// child modules, and maps an input tensor to an output.
///
/// Registration is explicit, so the names are exactly the ones written in
/// the code, and the dotted paths of `stateDict()` are PyTorch's keys for the
/// same architecture. A subclass creates its tensors, calls `super.init()`,
/// registers them and overrides `callAsFunction`:
///
/// ```swift
/// final class Head: Module {
///     let fc: Linear
///     let scale: Tensor
///     init(features: Int, classes: Int) {
///         fc = Linear(features, classes)
///         scale = Tensor.ones([1])
///         super.init()
///         register("fc", fc)
///         registerParameter("scale", scale)
///     }
///     override func callAsFunction(_ x: Tensor) -> Tensor { fc(x) * scale }
/// }
/// let head = Head(features: 512, classes: 10)
/// head.stateDict().map(\.name)   // ["scale", "fc.weight", "fc.bias"]
/// ```
open class Module {
    /// Whether the module behaves as in training (dropout active, batch
    /// statistics used and updated). Set recursively with `train()`/`eval()`.
    public private(set) var isTraining: Bool = true

    private var ownParameters: [(name: String, tensor: Tensor)] = []
    private var ownBuffers: [(name: String, tensor: Tensor, isInteger: Bool)] = []
    private var children: [(name: String, module: Module)] = []

    public init() {}

    /// Adds `module` as a child called `name` (replacing a child of that name)
    /// and returns it, so a property can be initialised and registered at once.
    @discardableResult
    public func register<M: Module>(_ name: String, _ module: M) -> M {
        checkName(name, kind: .child)
        if let i = children.firstIndex(where: { $0.name == name }) {
            children[i].module = module
        } else {
            children.append((name, module))
        }
        return module
    }

    /// Adds `tensor` as a trained parameter called `name` and marks it as
    /// requiring gradients. Optimisers update it in place, so the caller may
    /// keep the reference.
    @discardableResult
    public func registerParameter(_ name: String, _ tensor: Tensor) -> Tensor {
        checkName(name, kind: .parameter)
        tensor.requiringGrad()
        if let i = ownParameters.firstIndex(where: { $0.name == name }) {
            ownParameters[i].tensor = tensor
        } else {
            ownParameters.append((name, tensor))
        }
        return tensor
    }

    /// Adds `tensor` as state that is saved and loaded but not trained.
    /// `integer` buffers (counters) are stored as I64 in safetensors files,
    /// as PyTorch stores them.
    @discardableResult
    public func registerBuffer(_ name: String, _ tensor: Tensor, integer: Bool = false) -> Tensor {
        checkName(name, kind: .buffer)
        if let i = ownBuffers.firstIndex(where: { $0.name == name }) {
            ownBuffers[i] = (name, tensor, integer)
        } else {
            ownBuffers.append((name, tensor, integer))
        }
        return tensor
    }

    /// Every module in the tree with its dotted path, this one first (as "")
    /// and each shared module once, in registration order.
    public func namedModules() -> [(name: String, module: Module)] {
        var seen = Set<ObjectIdentifier>()
        var result: [(name: String, module: Module)] = []
        func visit(_ module: Module, _ path: String) {
            guard seen.insert(ObjectIdentifier(module)).inserted else { return }
            result.append((path, module))
            for child in module.children { visit(child.module, Module.join(path, child.name)) }
        }
        visit(self, "")
        return result
    }

    /// Every parameter with its dotted path (e.g. "layer1.0.conv1.weight"),
    /// each shared tensor once, in registration order.
    public func namedParameters() -> [(name: String, tensor: Tensor)] {
        var seen = Set<ObjectIdentifier>()
        return namedModules().flatMap { prefix, module in
            module.ownParameters.compactMap { name, tensor in
                seen.insert(ObjectIdentifier(tensor)).inserted ? (Module.join(prefix, name), tensor) : nil
            }
        }
    }

    /// The parameters to hand to an optimiser.
    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Every buffer with its dotted path and whether it holds integers.
    public func namedBuffers() -> [(name: String, tensor: Tensor, isInteger: Bool)] {
        namedModules().flatMap { prefix, module in
            module.ownBuffers.map { (Module.join(prefix, $0.name), $0.tensor, $0.isInteger) }
        }
    }

    /// The number of trained scalars.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    /// Parameters and buffers under PyTorch's state_dict keys, ready for
    /// `SafeTensors.write`. The entries share storage with the model;
    /// `loadStateDict` (StateDictLoading.swift) copies a dictionary back in.
    public func stateDict() -> [NamedTensor] {
        var entries: [NamedTensor] = []
        collectState(prefix: "", into: &entries)
        return entries
    }

    private func collectState(prefix: String, into entries: inout [NamedTensor]) {
        for (name, tensor) in ownParameters { entries.append(NamedTensor(Module.join(prefix, name), tensor)) }
        for (name, tensor, isInteger) in ownBuffers {
            entries.append(NamedTensor(Module.join(prefix, name), tensor, isInteger: isInteger))
        }
        for (name, child) in children { child.collectState(prefix: Module.join(prefix, name), into: &entries) }
    }

    /// Switches this module and all its descendants to training (`on`) or evaluation mode.
    public func train(_ on: Bool = true) {
        isTraining = on
        for child in children { child.module.train(on) }
    }

    /// Switches this module and all its descendants to evaluation mode.
    public func eval() { train(false) }

    /// The forward pass. Subclasses that take one tensor override this.
    open func callAsFunction(_ x: Tensor) -> Tensor {
        fatalError("GeoKit: \(type(of: self)) does not override callAsFunction(_:), so it cannot be called on one tensor")
    }

    private enum Kind: String { case parameter, buffer, child }

    /// Names are path components and unique across parameters, buffers and
    /// children (re-registering under the same kind replaces the entry).
    private func checkName(_ name: String, kind: Kind) {
        require(
            !name.isEmpty && !name.contains("."),
            "GeoKit: \(type(of: self)): a registered name must be non-empty and contain no '.', got '\(name)'")
        let taken: Kind? =
            ownParameters.contains { $0.name == name }
            ? .parameter
            : ownBuffers.contains { $0.name == name }
                ? .buffer
                : children.contains { $0.name == name } ? .child : nil
        require(
            taken == nil || taken == kind,
            "GeoKit: \(type(of: self)): '\(name)' is already registered as a \(taken?.rawValue ?? ""), cannot register it as a \(kind.rawValue)")
    }

    private static func join(_ prefix: String, _ name: String) -> String {
        prefix.isEmpty ? name : prefix + "." + name
    }
}
