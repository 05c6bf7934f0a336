import Foundation

/// Reads the pickles `torch.save` writes (protocols 2 to 5) into
/// `PickleValue`s without executing anything: only the opcodes a state dict
/// uses are understood, a global must be on `TorchGlobal`'s allow-list, and
/// calling one (REDUCE) only ever builds an ordered dict, a tensor
/// reference or bytes. Every length is checked against the bytes that
/// remain, so a crafted file fails with a message instead of allocating.
struct RestrictedUnpickler {
    /// Deeper than any state dict or training checkpoint nests (a few levels).
    static let maximumDepth = 32

    private let bytes: [UInt8]
    private let source: String
    private var position: Int
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Every storage the pickles named, by key.
    private(set) var storages: [String: TorchStorageReference] = [:]

    /// Unpickles the pickle that starts at `start`; `position` is then the byte after its STOP.
    init(_ bytes: [UInt8], startingAt start: Int = 0, source: String) {
        self.bytes = bytes
        self.position = start
        self.source = source
    }

    var endPosition: Int { position }

    mutating func load() throws -> PickleValue {
        stack.removeAll()
        marks.removeAll()
        memo.removeAll()
        while true {
            let at = position
            let op = try byte()
            switch op {
            case 0x80: _ = try byte()  // PROTO
            case 0x95: _ = try take(8)  // FRAME
            case 0x2E:  // STOP
                guard stack.count == 1, marks.isEmpty else { throw fail("STOP with \(stack.count) values on the stack", at: at) }
                return stack[0]
            case 0x28: marks.append(stack.count)  // MARK
            case 0x4E: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4A: stack.append(.int(Int(Int32(bitPattern: UInt32(try littleEndian(4))))))  // BININT
            case 0x4B: stack.append(.int(Int(try byte())))  // BININT1
            case 0x4D: stack.append(.int(Int(try littleEndian(2))))  // BININT2
            case 0x8A: stack.append(integer(try take(Int(try byte()))))  // LONG1
            case 0x8B: stack.append(integer(try take(try length(4))))  // LONG4
            case 0x47:  // BINFLOAT (big-endian)
                let raw = try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                stack.append(.float(Double(bitPattern: raw)))
            case 0x58: stack.append(.string(try text(try length(4), at: at)))  // BINUNICODE
            case 0x8C: stack.append(.string(try text(Int(try byte()), at: at)))  // SHORT_BINUNICODE
            case 0x8D: stack.append(.string(try text(try length(8), at: at)))  // BINUNICODE8
            case 0x54: stack.append(.string(latin1(try take(try length(4)))))  // BINSTRING
            case 0x55: stack.append(.string(latin1(try take(Int(try byte())))))  // SHORT_BINSTRING
            case 0x42: stack.append(.bytes(try take(try length(4))))  // BINBYTES
            case 0x43: stack.append(.bytes(try take(Int(try byte()))))  // SHORT_BINBYTES
            case 0x8E: stack.append(.bytes(try take(try length(8))))  // BINBYTES8
            case 0x7D: stack.append(.dict(PickleDict()))  // EMPTY_DICT
            case 0x5D: stack.append(.list(PickleList()))  // EMPTY_LIST
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x64:  // DICT
                let dict = PickleDict()
                try setItems(try popToMark(at: at), in: dict, at: at)
                stack.append(.dict(dict))
            case 0x6C:  // LIST
                let list = PickleList()
                try append(try popToMark(at: at), to: list, at: at)
                stack.append(.list(list))
            case 0x74: stack.append(try tuple(try popToMark(at: at), at: at))  // TUPLE
            case 0x85, 0x86, 0x87:  // TUPLE1..3
                let n = Int(op - 0x84)
                guard stack.count - (marks.last ?? 0) >= n else { throw fail("TUPLE\(n) on a short stack", at: at) }
                let items = Array(stack.suffix(n))
                stack.removeLast(n)
                stack.append(try tuple(items, at: at))
            case 0x71: try memoize(Int(try byte()), at: at)  // BINPUT
            case 0x72: try memoize(Int(try littleEndian(4)), at: at)  // LONG_BINPUT
            case 0x94: try memoize(memo.count, at: at)  // MEMOIZE
            case 0x68: try recall(Int(try byte()), at: at)  // BINGET
            case 0x6A: try recall(Int(try littleEndian(4)), at: at)  // LONG_BINGET
            case 0x63:  // GLOBAL "module\nname\n"
                let module = try line(at: at), name = try line(at: at)
                stack.append(.global(try global(module, name, at: at)))
            case 0x93:  // STACK_GLOBAL
                let name = try pop(at: at), module = try pop(at: at)
                guard case .string(let m) = module, case .string(let n) = name else {
                    throw fail("STACK_GLOBAL needs two strings", at: at)
                }
                stack.append(.global(try global(m, n, at: at)))
            case 0x73:  // SETITEM
                let value = try pop(at: at), key = try pop(at: at)
                guard case .dict(let dict) = try top(at: at) else { throw fail("SETITEM on a \(try top(at: at).kind)", at: at) }
                try setItems([key, value], in: dict, at: at)
            case 0x75:  // SETITEMS
                let items = try popToMark(at: at)
                guard case .dict(let dict) = try top(at: at) else { throw fail("SETITEMS on a \(try top(at: at).kind)", at: at) }
                try setItems(items, in: dict, at: at)
            case 0x61:  // APPEND
                let value = try pop(at: at)
                guard case .list(let list) = try top(at: at) else { throw fail("APPEND on a \(try top(at: at).kind)", at: at) }
                try append([value], to: list, at: at)
            case 0x65:  // APPENDS
                let items = try popToMark(at: at)
                guard case .list(let list) = try top(at: at) else { throw fail("APPENDS on a \(try top(at: at).kind)", at: at) }
                try append(items, to: list, at: at)
            case 0x51:  // BINPERSID
                stack.append(try persistent(try pop(at: at), at: at))
            case 0x52:  // REDUCE
                let arguments = try pop(at: at), callable = try pop(at: at)
                guard case .global(let g) = callable, case .tuple(let args) = arguments else {
                    throw fail("REDUCE of a \(callable.kind) with \(arguments.kind) arguments", at: at)
                }
                stack.append(try call(g, args, at: at))
            case 0x62:  // BUILD: object attributes, not needed for weights
                _ = try pop(at: at)
                switch try top(at: at) {
                case .dict, .tensor: break
                case let other: throw fail("BUILD on a \(other.kind)", at: at)
                }
            default:
                throw fail(String(format: "opcode 0x%02X is not one a PyTorch state dict uses", op), at: at)
            }
        }
    }

    // MARK: - Building values

    private func global(_ module: String, _ name: String, at: Int) throws -> TorchGlobal {
        guard let g = TorchGlobal(module: module, name: name) else {
            throw GeoKitError(
                "the checkpoint's pickle names \(module).\(name), which a state dict does not need; GeoKit executes nothing from a pickle and refuses the file",
                where: "\(source), byte \(at)",
                remedy: "load the file in Python and save its state dict (torch.save(model.state_dict(), path)) or convert it to safetensors")
        }
        return g
    }

    private func call(_ g: TorchGlobal, _ args: [PickleValue], at: Int) throws -> PickleValue {
        switch g {
        case .orderedDict:
            guard args.isEmpty else { throw fail("OrderedDict called with arguments", at: at) }
            return .dict(PickleDict())
        case .rebuildTensor, .rebuildTensorV2:
            guard args.count >= 4, case .storage(let storage) = args[0], case .int(let offset) = args[1],
                let shape = intTuple(args[2]), let strides = intTuple(args[3]), shape.count == strides.count
            else {
                throw fail("\(g.qualifiedName) needs (storage, offset, size, stride, ...)", at: at)
            }
            return .tensor(try tensor(storage, offset: offset, shape: shape, strides: strides, at: at))
        case .rebuildParameter, .rebuildParameterWithState:
            guard let first = args.first, case .tensor = first else { throw fail("\(g.qualifiedName) needs a tensor", at: at) }
            return first
        case .codecsEncode:
            guard args.count == 2, case .string(let s) = args[0], case .string(let encoding) = args[1],
                encoding == "latin1" || encoding == "latin-1"
            else {
                throw fail("_codecs.encode is accepted only as encode(text, 'latin1')", at: at)
            }
            return .bytes(s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
        case .storageType:
            throw fail("\(g.qualifiedName) called directly", at: at)
        }
    }

    /// `('storage', storage type, key, location, element count[, view])`: a storage kept outside the pickle.
    private mutating func persistent(_ id: PickleValue, at: Int) throws -> PickleValue {
        guard case .tuple(let fields) = id, fields.count >= 5, case .string("storage") = fields[0],
            case .global(.storageType(let type)) = fields[1], case .int(let count) = fields[4], count >= 0
        else {
            throw fail("a persistent id that is not a tensor storage (\(id.kind))", at: at)
        }
        let key: String
        switch fields[2] {
        case .string(let s): key = s
        case .int(let i): key = String(i)
        default: throw fail("a storage key that is a \(fields[2].kind)", at: at)
        }
        if fields.count > 5, case .tuple = fields[5] {
            throw fail("storage views (a format older than PyTorch 0.4) are not supported", at: at)
        }
        let storage = TorchStorageReference(key: key, type: type, count: count)
        if let seen = storages[key], seen.type != type || seen.count != count {
            throw fail("storage \(key) is named twice with different types or sizes", at: at)
        }
        storages[key] = storage
        return .storage(storage)
    }

    /// Checks that every element of the strided view lies inside its storage.
    private func tensor(_ storage: TorchStorageReference, offset: Int, shape: [Int], strides: [Int], at: Int) throws
        -> TorchTensorReference
    {
        guard offset >= 0, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
            throw fail("a tensor with a negative offset, size or stride", at: at)
        }
        var last = offset, count = 1, overflow = false
        for (size, stride) in zip(shape, strides) {
            let (c, o1) = count.multipliedReportingOverflow(by: size)
            let (span, o2) = max(size - 1, 0).multipliedReportingOverflow(by: stride)
            let (l, o3) = last.addingReportingOverflow(span)
            count = c; last = l
            overflow = overflow || o1 || o2 || o3
        }
        guard !overflow, count == 0 || last < storage.count else {
            throw fail("a tensor of shape \(shape) and strides \(strides) at offset \(offset) reaches past its storage of \(storage.count) elements", at: at)
        }
        return TorchTensorReference(storage: storage, offset: offset, shape: shape, strides: strides)
    }

    private func intTuple(_ value: PickleValue) -> [Int]? {
        guard case .tuple(let items) = value else { return nil }
        var result: [Int] = []
        for item in items {
            guard case .int(let i) = item else { return nil }
            result.append(i)
        }
        return result
    }

    private func setItems(_ items: [PickleValue], in dict: PickleDict, at: Int) throws {
        guard items.count % 2 == 0 else { throw fail("an odd number of dictionary items", at: at) }
        for i in stride(from: 0, to: items.count, by: 2) {
            try place(items[i + 1], in: dict, at: at)
            switch items[i] {
            case .string(let s): dict[.string(s)] = items[i + 1]
            case .int(let n): dict[.int(n)] = items[i + 1]
            default: throw fail("a dictionary key that is a \(items[i].kind)", at: at)
            }
        }
    }

    private func append(_ items: [PickleValue], to list: PickleList, at: Int) throws {
        for item in items { try place(item, in: list, at: at) }
        list.items.append(contentsOf: items)
    }

    private func tuple(_ items: [PickleValue], at: Int) throws -> PickleValue {
        for item in items { seal(item) }
        let value = PickleValue.tuple(items)
        guard value.depth <= Self.maximumDepth else { throw fail("containers nested deeper than \(Self.maximumDepth)", at: at) }
        return value
    }

    /// Puts `child` inside `box`: the child is sealed and the box's depth checked.
    private func place(_ child: PickleValue, in box: PickleBox, at: Int) throws {
        seal(child)
        guard box.admit(child) else { throw fail("a container is filled after it was used", at: at) }
        guard box.depth <= Self.maximumDepth else { throw fail("containers nested deeper than \(Self.maximumDepth)", at: at) }
    }

    private func seal(_ value: PickleValue) {
        switch value {
        case .list(let list): list.seal()
        case .dict(let dict): dict.seal()
        default: break
        }
    }

    private func integer(_ raw: [UInt8]) -> PickleValue {
        guard raw.count <= 8 else { return .bigInt(raw) }
        guard !raw.isEmpty else { return .int(0) }
        var value: UInt64 = 0
        for (i, b) in raw.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        if raw.count < 8, raw.last! & 0x80 != 0 { value |= ~UInt64(0) << (8 * UInt64(raw.count)) }  // sign-extend
        return .int(Int(Int64(bitPattern: value)))
    }

    // MARK: - The stack and the memo

    private mutating func pop(at: Int) throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else { throw fail("an opcode needs more values than the stack holds", at: at) }
        return stack.removeLast()
    }

    private func top(at: Int) throws -> PickleValue {
        guard let last = stack.last else { throw fail("an opcode needs a value on the empty stack", at: at) }
        return last
    }

    private mutating func popToMark(at: Int) throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("a collection opcode without a MARK", at: at) }
        let items = Array(stack[mark...])
        stack.removeLast(stack.count - mark)
        return items
    }

    private mutating func memoize(_ index: Int, at: Int) throws {
        memo[index] = try top(at: at)
    }

    private mutating func recall(_ index: Int, at: Int) throws {
        guard let value = memo[index] else { throw fail("memo entry \(index) is read before it is written", at: at) }
        stack.append(value)
    }

    // MARK: - Reading bytes

    private mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw fail("the pickle ends without STOP", at: position) }
        defer { position += 1 }
        return bytes[position]
    }

    private mutating func take(_ n: Int) throws -> [UInt8] {
        guard n >= 0, n <= bytes.count - position else {
            throw fail("a field of \(n) bytes runs past the end of the data", at: position)
        }
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }

    private mutating func littleEndian(_ n: Int) throws -> UInt64 {
        try take(n).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// A length field, refused when it exceeds what remains of the data.
    private mutating func length(_ n: Int) throws -> Int {
        let at = position
        let value = try littleEndian(n)
        guard value <= UInt64(bytes.count - position) else {
            throw fail("a length of \(value) bytes runs past the end of the data", at: at)
        }
        return Int(value)
    }

    private mutating func text(_ n: Int, at: Int) throws -> String {
        guard let s = String(bytes: try take(n), encoding: .utf8) else { throw fail("a string that is not UTF-8", at: at) }
        return s
    }

    private func latin1(_ raw: [UInt8]) -> String {
        String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) }))
    }

    private mutating func line(at: Int) throws -> String {
        guard let end = bytes[position...].firstIndex(of: 0x0A), end - position <= 256 else {
            throw fail("GLOBAL without a short newline-terminated name", at: at)
        }
        defer { position = end + 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private func fail(_ why: String, at offset: Int) -> GeoKitError {
        GeoKitError(
            "not a readable PyTorch checkpoint: \(why)", where: "\(source), byte \(offset)",
            remedy: "save it with torch.save(model.state_dict(), path), or convert it to safetensors in Python")
    }
}
