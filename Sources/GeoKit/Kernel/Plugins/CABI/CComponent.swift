internal import CGeoKitABI
import Foundation
import GeoKitComponents
import GeoKitCore
import GeoKitRecipes

/// Owns one `geokit_component *` returned by a C constructor: checks what
/// the plugin handed over (kind, vtable, parameter declarations) before the
/// kernel relies on it, and calls its `destroy` exactly once.
final class CComponent {
    /// `kind:name` and the plugin file, for messages.
    let qualifiedName: String
    let source: String
    let kind: ComponentKind
    let pointer: UnsafeMutablePointer<geokit_component>
    let declarations: [Declaration]

    /// A weight the component declared, to be allocated by the kernel.
    struct Declaration {
        let name: String
        let shape: [Int]
        let initializer: Int32
        let a: Double
        let b: Double
    }

    /// Takes ownership of `raw` (a constructor's result), refusing (and
    /// destroying) a component that does not match its registration.
    init(_ raw: UnsafeMutableRawPointer?, kind: ComponentKind, qualifiedName: String, source: String, constructor: String) throws {
        self.qualifiedName = qualifiedName
        self.source = source
        self.kind = kind
        let context = "\(qualifiedName) from \(source)"
        guard let raw else {
            let reason = CCallError.take().map { ": \($0)" } ?? ""
            throw GeoKitError(
                "\(constructor) returned no component\(reason)", where: context,
                remedy: "check the component's parameters (geokit plugins lists them)")
        }
        pointer = raw.assumingMemoryBound(to: geokit_component.self)
        let c = pointer.pointee
        do {
            guard c.destroy != nil else {
                throw GeoKitError(
                    "\(constructor) returned a component without a destroy function", where: context,
                    remedy: "set geokit_component.destroy (see docs/c-abi.md)")
            }
            guard c.kind == CComponent.cKind(of: kind) else {
                throw GeoKitError(
                    "\(constructor) returned a component of kind \(c.kind), registered as \(kind.rawValue) (\(CComponent.cKind(of: kind)))",
                    where: context, remedy: "set geokit_component.kind to GEOKIT_KIND_\(kind.rawValue.uppercased())")
            }
            guard let vtable = c.vtable else {
                throw GeoKitError(
                    "\(constructor) returned a component without a vtable", where: context,
                    remedy: "point geokit_component.vtable at a geokit_\(kind.rawValue)_vtable")
            }
            let missing = CComponent.missingFunctions(vtable, kind: kind)
            guard missing.isEmpty else {
                throw GeoKitError(
                    "the geokit_\(kind.rawValue)_vtable of \(constructor) has no \(missing.joined(separator: ", ")) function",
                    where: context, remedy: "fill in every function of the vtable")
            }
            guard c.parameter_count >= 0, c.parameter_count == 0 || c.parameters != nil else {
                throw GeoKitError("\(constructor) declares \(c.parameter_count) parameters but no declarations", where: context)
            }
            declarations = try (0..<Int(c.parameter_count)).map { i in
                try CComponent.declaration(c.parameters[i], index: i, context: context)
            }
            let names = declarations.map(\.name)
            if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                throw GeoKitError("\(constructor) declares the parameter '\(duplicate)' twice", where: context)
            }
        } catch {
            c.destroy?(pointer)
            throw error
        }
    }

    deinit { pointer.pointee.destroy(pointer) }

    /// The C vtable, typed for the component's kind.
    func vtable<V>(_: V.Type) -> V { pointer.pointee.vtable.assumingMemoryBound(to: V.self).pointee }

    /// Records the plugin's message when a C call failed and says whether it
    /// succeeded. A forward or backward cannot throw (modules compose like
    /// ops), so the failure waits in `ComponentFailure` for the trainer, the
    /// forward contract or the evaluator, which end the run with it.
    func succeeded(_ status: Int32, _ call: String) -> Bool {
        guard status != 0 else { return true }
        let reason = CCallError.take() ?? "status \(status), no message reported"
        ComponentFailure.record(
            GeoKitError(
                "\(qualifiedName) failed in its \(call): \(reason)", where: source,
                remedy: "fix the plugin or its inputs; the run stopped before the failed step changed anything"))
        return false
    }

    /// The functions a vtable of `kind` lacks (all of them are required).
    private static func missingFunctions(_ vtable: UnsafeRawPointer, kind: ComponentKind) -> [String] {
        func missing(_ functions: [(String, Bool)]) -> [String] { functions.filter { !$0.1 }.map(\.0) }
        switch kind {
        case .attention:
            let v = vtable.assumingMemoryBound(to: geokit_attention_vtable.self).pointee
            return missing([("forward", v.forward != nil), ("backward", v.backward != nil)])
        case .aggregator:
            let v = vtable.assumingMemoryBound(to: geokit_aggregator_vtable.self).pointee
            return missing([("descriptor_size", v.descriptor_size != nil), ("forward", v.forward != nil), ("backward", v.backward != nil)])
        default:
            let v = vtable.assumingMemoryBound(to: geokit_loss_vtable.self).pointee
            return missing([("forward", v.forward != nil), ("backward", v.backward != nil)])
        }
    }

    static func cKind(of kind: ComponentKind) -> Int32 {
        switch kind {
        case .attention: Int32(GEOKIT_KIND_ATTENTION)
        case .aggregator: Int32(GEOKIT_KIND_AGGREGATOR)
        case .loss: Int32(GEOKIT_KIND_LOSS)
        default: -1
        }
    }

    private static func declaration(_ p: geokit_parameter, index: Int, context: String) throws -> Declaration {
        guard let cName = p.name else {
            throw GeoKitError("parameter declaration \(index) has no name", where: context)
        }
        let name = String(cString: cName)
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !name.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
            throw GeoKitError(
                "parameter declaration \(index) has the name '\(name)'", where: context,
                remedy: "use names such as 'weight' or 'fc1.weight'")
        }
        guard (0...Int(GEOKIT_MAX_RANK)).contains(Int(p.rank)) else {
            throw GeoKitError(
                "parameter '\(name)' has rank \(p.rank)", where: context,
                remedy: "declare a rank between 0 and \(GEOKIT_MAX_RANK)")
        }
        let shape = withUnsafeBytes(of: p.shape) { raw in Array(raw.bindMemory(to: Int64.self).prefix(Int(p.rank))).map { Int($0) } }
        guard shape.allSatisfy({ $0 > 0 }) else {
            throw GeoKitError("parameter '\(name)' has the shape \(shape)", where: context, remedy: "every dimension must be positive")
        }
        guard [GEOKIT_INIT_CONSTANT, GEOKIT_INIT_UNIFORM, GEOKIT_INIT_NORMAL].map(Int32.init).contains(p.initializer) else {
            throw GeoKitError(
                "parameter '\(name)' has the initialiser \(p.initializer)", where: context,
                remedy: "use GEOKIT_INIT_CONSTANT, GEOKIT_INIT_UNIFORM or GEOKIT_INIT_NORMAL")
        }
        return Declaration(name: name, shape: shape, initializer: p.initializer, a: p.a, b: p.b)
    }
}

extension CComponent.Declaration {
    /// A float32 tensor of the declared shape, initialised from the kernel's seeded generator.
    func makeTensor() -> Tensor {
        let t = Tensor(zeros: shape)
        switch initializer {
        case Int32(GEOKIT_INIT_UNIFORM): Init.uniform(t, low: a, high: b)
        case Int32(GEOKIT_INIT_NORMAL): Init.normal(t, mean: a, std: b)
        default: Init.constant(t, a)
        }
        return t
    }
}
