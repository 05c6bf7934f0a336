/// Parameters trained with one learning rate and weight decay, e.g. a
/// pretrained backbone at a tenth of the head's rate.
public struct ParameterGroup {
    public var parameters: [Tensor]
    /// The rate the next `step()` uses; a `LearningRateScheduler` rewrites it every step.
    public var learningRate: Double
    /// Used as given: an optimiser's own default applies only to its
    /// `parameters:` initialiser.
    public var weightDecay: Double

    public init(parameters: [Tensor], learningRate: Double, weightDecay: Double = 0) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }
}

/// Updates parameters in place from their gradients, as the torch.optim
/// class of the same name. A training step is
///
/// ```swift
/// let optimizer = AdamW(parameters: model.parameters(), learningRate: 1e-4)
/// optimizer.zeroGrad()
/// loss(model(x)).backward()
/// optimizer.step()
/// ```
public protocol Optimizer: AnyObject {
    var groups: [ParameterGroup] { get set }
    /// One update of every parameter that has a gradient; parameters whose
    /// `grad` is nil are skipped (their state does not advance). No history is recorded.
    func step()
    /// Drops every parameter's gradient (sets it to nil, as torch's default).
    func zeroGrad()
    /// The optimiser's internal state (momentum buffers, moment estimates,
    /// step counts) under keys "<parameter index>.<field>", the index
    /// counting parameters through the groups in order, as torch numbers them.
    func stateDict() -> [String: Tensor]
    /// Restores a state saved by `stateDict()` for the same parameter list,
    /// replacing the current state, so training resumes where it stopped.
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension Optimizer {
    public func zeroGrad() {
        for group in groups {
            for parameter in group.parameters { parameter.zeroGrad() }
        }
    }
}

/// Per-parameter optimiser state, keyed by the parameter itself (the store
/// keeps it alive, so identities are never reused), with the conversions
/// to and from a flat state dict shared by all optimisers.
struct ParameterStates<State> {
    private var states: [ObjectIdentifier: (parameter: Tensor, state: State)] = [:]

    subscript(_ parameter: Tensor) -> State? {
        get { states[ObjectIdentifier(parameter)]?.state }
        set { states[ObjectIdentifier(parameter)] = newValue.map { (parameter, $0) } }
    }

    mutating func removeAll() { states = [:] }
}

/// How a saved state field is shaped.
enum StateField {
    /// Like its parameter (a moment or momentum buffer).
    case parameterShaped
    /// One number (a step count).
    case scalar
}

enum OptimizerStateDict {
    /// All parameters of the groups, in the order state-dict indices count them.
    static func parameters(_ groups: [ParameterGroup]) -> [Tensor] { groups.flatMap(\.parameters) }

    /// Rejects groups listing a parameter twice (it would be updated twice per step).
    static func checkGroups(_ groups: [ParameterGroup], optimizer: String) {
        var seen = Set<ObjectIdentifier>()
        for (g, group) in groups.enumerated() {
            require(
                group.learningRate >= 0 && group.weightDecay >= 0,
                "GeoKit: \(optimizer): group \(g) has learning rate \(group.learningRate) and weight decay \(group.weightDecay); both must be >= 0")
            for parameter in group.parameters {
                require(
                    seen.insert(ObjectIdentifier(parameter)).inserted,
                    "GeoKit: \(optimizer): a parameter of shape \(parameter.shape) appears more than once in the parameter groups")
            }
        }
    }

    /// Splits "<index>.<field>" keys into per-parameter field maps, checking
    /// indices, field names and shapes; every problem is named in one error.
    static func parse(
        _ state: [String: Tensor], parameters: [Tensor], fields: [String: StateField],
        optimizer: String
    ) throws -> [Int: [String: Tensor]] {
        var result: [Int: [String: Tensor]] = [:]
        var problems: [String] = []
        for (key, tensor) in state.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let index = Int(parts[0]), let kind = fields[parts[1]] else {
                problems.append("unexpected key \(key)")
                continue
            }
            guard index >= 0 && index < parameters.count else {
                problems.append("\(key) names parameter \(index), but the groups hold \(parameters.count)")
                continue
            }
            let fits = kind == .scalar ? tensor.count == 1 : tensor.shape == parameters[index].shape
            guard fits else {
                let wanted = kind == .scalar ? "one element" : "shape \(parameters[index].shape)"
                problems.append("\(key) has shape \(tensor.shape), expected \(wanted)")
                continue
            }
            // A scalar field is a step count; a crafted NaN or 1e30 would trap where it becomes an Int.
            if kind == .scalar, Int(exactly: tensor.item) == nil || tensor.item < 0 {
                problems.append("\(key) holds \(tensor.item), not a step count")
            }
            result[index, default: [:]][parts[1]] = tensor
        }
        for (index, saved) in result where saved.count != fields.count {
            let missing = fields.keys.filter { saved[$0] == nil }.sorted().map { "\(index).\($0)" }
            problems.append("missing keys " + missing.joined(separator: ", "))
        }
        guard problems.isEmpty else {
            throw GeoKitError(
                "the optimiser state does not fit: " + problems.sorted().joined(separator: "; "),
                where: "\(optimizer).loadStateDict",
                remedy: "load a state saved by the same optimiser over the same parameter groups")
        }
        return result
    }

    static func key(_ index: Int, _ field: String) -> String { "\(index).\(field)" }

    /// A step count as a float64 scalar (exact far beyond any training length).
    static func scalar(_ value: Int) -> Tensor { Tensor(scalar: Double(value), dtype: .float64) }
}

/// Gradients must match their parameter (a mismatch means the graph or the groups are wrong).
func checkGradient(_ grad: Tensor, of parameter: Tensor, optimizer: String) {
    require(
        grad.shape == parameter.shape && grad.dtype == parameter.dtype,
        "GeoKit: \(optimizer): a parameter of shape \(parameter.shape) (\(parameter.dtype)) has a gradient of shape \(grad.shape) (\(grad.dtype))")
}
