internal import CFFI
import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes

/// A plain C function of a plugin, called through libffi with typed values
/// checked against its declared signature. This is how the kernel calls a C
/// component's constructor with a recipe's (or `--set`'s) arguments: the
/// function's prototype is not known when GeoKit is compiled, and a call with
/// the wrong number or types of arguments would be undefined behaviour, so
/// every call is checked first and refused with a GeoKitError.
///
/// The function must return a pointer (`geokit_component *` for a
/// constructor) and take, per declared parameter: `int`, `double`, `bool`,
/// `const char *` (string, valid during the call), or `const int *, int`
/// (int list, valid during the call).
public final class ForeignConstructor: @unchecked Sendable {
    public let symbol: String
    public let signature: CSignature
    /// Where messages say the function comes from (the component and plugin file).
    public let context: String
    private let function: UnsafeMutableRawPointer
    /// The ffi_cif and its argument-type array, prepared once.
    private let cif: UnsafeMutableRawPointer
    private let argumentTypes: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let cArgumentCount: Int

    /// Prepares calls of the function at `address` (found by dlsym) as `signature` declares it.
    public init(symbol: String, address: UnsafeMutableRawPointer, signature: CSignature, context: String) throws {
        self.symbol = symbol
        self.signature = signature
        self.context = context
        function = address
        let types = signature.parameters.flatMap { ForeignConstructor.ffiTypes(of: $0.type) }
        cArgumentCount = types.count
        argumentTypes = .allocate(capacity: max(types.count, 1))
        for (i, t) in types.enumerated() { argumentTypes[i] = UnsafeMutableRawPointer(t) }
        let preparedCIF = UnsafeMutablePointer<ffi_cif>.allocate(capacity: 1)
        cif = UnsafeMutableRawPointer(preparedCIF)
        let status = argumentTypes.withMemoryRebound(to: UnsafeMutablePointer<ffi_type>?.self, capacity: max(types.count, 1)) {
            ffi_prep_cif(preparedCIF, FFI_DEFAULT_ABI, UInt32(types.count), ForeignConstructor.ffiPointerType, $0)
        }
        guard status == FFI_OK else {
            throw GeoKitError(
                "libffi cannot prepare a call of \(symbol)(\(signature)) (ffi_prep_cif status \(status.rawValue))",
                where: context, remedy: "simplify the constructor's signature")
        }
    }

    deinit {
        cif.assumingMemoryBound(to: ffi_cif.self).deallocate()
        argumentTypes.deallocate()
    }

    /// Calls the function with `arguments` in declaration order; a wrong
    /// count, a wrong type or an int that does not fit a C `int` is a
    /// GeoKitError and the function is not called. An int is accepted for
    /// a double, as in component parameters.
    public func call(_ arguments: [ParameterValue]) throws -> UnsafeMutableRawPointer? {
        let declared = signature.parameters
        guard arguments.count == declared.count else {
            throw GeoKitError(
                "\(symbol) takes \(declared.count) argument\(declared.count == 1 ? "" : "s") (\(signature)), got \(arguments.count)",
                where: context, remedy: "pass exactly the declared arguments, in order")
        }
        var storage = ArgumentStorage()
        defer { storage.release() }
        for (index, (parameter, value)) in zip(declared, arguments).enumerated() {
            try storage.append(value, as: parameter, position: index + 1, symbol: symbol, context: context)
        }
        require(storage.values.count == cArgumentCount, "GeoKit: \(symbol): \(storage.values.count) libffi arguments for \(cArgumentCount) prepared")
        var result: UnsafeMutableRawPointer?
        let entry = unsafeBitCast(function, to: (@convention(c) () -> Void).self)
        storage.values.withUnsafeMutableBufferPointer { values in
            ffi_call(cif.assumingMemoryBound(to: ffi_cif.self), entry, &result, values.baseAddress)
        }
        return result
    }

    /// The C arguments of one call: each value in its own aligned slot,
    /// strings and int lists copied into memory freed after the call.
    private struct ArgumentStorage {
        var values: [UnsafeMutableRawPointer?] = []
        private var allocations: [UnsafeMutableRawPointer] = []

        mutating func append(
            _ value: ParameterValue, as parameter: CSignature.Parameter, position: Int,
            symbol: String, context: String
        ) throws {
            switch (parameter.type, value) {
            case (.int, .int(let v)):
                guard let narrow = Int32(exactly: v) else {
                    throw GeoKitError(
                        "argument \(position) '\(parameter.name)' of \(symbol) is \(v), which does not fit a C int",
                        where: context, remedy: "pass a value between \(Int32.min) and \(Int32.max)")
                }
                slot(narrow)
            case (.double, .double(let v)): slot(v)
            case (.double, .int(let v)): slot(Double(v))
            case (.bool, .bool(let v)): slot(UInt8(v ? 1 : 0))
            case (.string, .string(let v)):
                let bytes = Array(v.utf8CString)
                let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 8)
                bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                allocations.append(copy)
                slot(UnsafeRawPointer(copy))
            case (.intList, .intList(let list)):
                let narrow = try list.map { element -> Int32 in
                    guard let n = Int32(exactly: element) else {
                        throw GeoKitError(
                            "argument \(position) '\(parameter.name)' of \(symbol) holds \(element), which does not fit a C int",
                            where: context)
                    }
                    return n
                }
                let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(narrow.count, 1) * 4, alignment: 8)
                allocations.append(buffer)
                narrow.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                slot(UnsafeRawPointer(buffer))
                slot(Int32(narrow.count))
            default:
                throw GeoKitError(
                    "argument \(position) '\(parameter.name)' of \(symbol) must be \(parameter.type.rawValue), got \(value.type.rawValue) \(value)",
                    where: context, remedy: "pass e.g. \(parameter.name)=\(parameter.defaultValue)")
            }
        }

        private mutating func slot<T>(_ value: T) {
            let memory = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 16)
            memory.storeBytes(of: value, as: T.self)
            allocations.append(memory)
            values.append(memory)
        }

        func release() { for allocation in allocations { allocation.deallocate() } }
    }

    private static func ffiTypes(of type: ParameterType) -> [UnsafeMutablePointer<ffi_type>] {
        switch type {
        case .int: [withUnsafeMutablePointer(to: &ffi_type_sint32) { $0 }]
        case .double: [withUnsafeMutablePointer(to: &ffi_type_double) { $0 }]
        case .bool: [withUnsafeMutablePointer(to: &ffi_type_uint8) { $0 }]
        case .string: [ffiPointerType]
        case .intList: [ffiPointerType, withUnsafeMutablePointer(to: &ffi_type_sint32) { $0 }]
        }
    }

    private static var ffiPointerType: UnsafeMutablePointer<ffi_type> {
        withUnsafeMutablePointer(to: &ffi_type_pointer) { $0 }
    }
}
