/// A value built by `RestrictedUnpickler`: the Python objects a PyTorch
/// state dict is made of, and nothing that could run code.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too large for `Int`, as its little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    /// A global named by the pickle, already checked against the allow-list.
    case global(TorchGlobal)
    /// A persistent reference to a tensor storage (`torch.save`'s storages live outside the pickle).
    case storage(TorchStorageReference)
    case tensor(TorchTensorReference)

    var kind: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case .global(let g): g.qualifiedName
        case .storage: "storage"
        case .tensor: "tensor"
        }
    }

    /// How deeply containers nest in this value (a scalar is 0). Crafted
    /// pickles can nest without end; the unpickler caps this so that no
    /// walk over (or release of) a value can exhaust the stack.
    var depth: Int {
        switch self {
        case .tuple(let items): 1 + items.reduce(0) { max($0, $1.depth) }
        case .list(let list): list.depth
        case .dict(let dict): dict.depth
        default: 0
        }
    }
}

/// What list and dict boxes share: a depth fixed when the box is placed
/// inside another value, after which it is sealed. `torch.save` fills a
/// container before using it, so a sealed box that is filled again (the way
/// a pickle would build a cycle or an unbounded chain) is refused.
class PickleBox {
    private(set) var depth = 1
    private(set) var sealed = false

    func seal() { sealed = true }

    /// Records a child value's depth; false when the box is sealed.
    func admit(_ child: PickleValue) -> Bool {
        guard !sealed else { return false }
        depth = max(depth, child.depth + 1)
        return true
    }
}

/// A list shared by reference, as Python's is: the pickle memoises a list
/// and appends to it afterwards.
final class PickleList: PickleBox {
    var items: [PickleValue] = []
}

/// An insertion-ordered dictionary with string or integer keys (a state
/// dict's, an optimiser state's), shared by reference like `PickleList`.
final class PickleDict: PickleBox {
    enum Key: Hashable, CustomStringConvertible {
        case string(String), int(Int)
        var description: String {
            switch self {
            case .string(let s): s
            case .int(let i): String(i)
            }
        }
    }

    private(set) var keys: [Key] = []
    private var values: [Key: PickleValue] = [:]

    subscript(key: Key) -> PickleValue? {
        get { values[key] }
        set {
            if values[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            values[key] = newValue
        }
    }

    var entries: [(key: Key, value: PickleValue)] { keys.map { ($0, values[$0]!) } }
}
